/// Why a digest could not be prepared for rendering; each case names the file, field or value at fault.
public enum DigestRenderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The list's template folder is missing, unreadable, or holds no digest template.
    case templateFolder(folder: String, problem: String)
    /// A template file could not be read or parsed; `line` and `column` where Mustache reports them.
    case template(file: String, line: Int?, column: Int?, problem: String)
    /// The digest holds a value the renderer cannot show (an unknown time zone, a figure JSON cannot carry).
    case invalidDigest(field: String, value: String, expected: String)
    /// A recipient's link or name is unusable.
    case invalidRecipient(field: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .templateFolder(let folder, let problem):
            return "template folder \(folder): \(problem)"
        case .template(let file, let line, let column, let problem):
            let position = line.map { line in ":\(line)" + (column.map { ":\($0)" } ?? "") } ?? ""
            return "template \(file)\(position): \(problem)"
        case .invalidDigest(let field, let value, let expected):
            return "digest \(field) is \"\(value)\"; expected \(expected)"
        case .invalidRecipient(let field, let value, let expected):
            return "recipient \(field) is \"\(value)\"; expected \(expected)"
        }
    }
}
