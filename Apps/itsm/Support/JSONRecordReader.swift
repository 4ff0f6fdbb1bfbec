import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One object of a JSON import file: its values as text by key, or why it cannot be used, with
/// its number in the file (1 for the first object) and the line it starts on.
///
/// Nested objects are flattened to dotted keys (`{"fields": {"summary": "x"}}` gives
/// `fields.summary`), a list of plain values is joined with `;`, a list of objects is flattened
/// by position (`tags.0.name`); null is absent; numbers and true/false keep their JSON text.
struct JSONRecord: Sendable {
    var number: Int
    var line: Int
    var values: [String: String]
    var problem: String?
}

/// A JSON import file read one object at a time, so memory stays flat however long it is: either
/// a top-level array of objects (`[{...}, {...}]`), scanned element by element without loading the
/// array, or JSON Lines (one object per line).
///
/// A malformed object is reported and reading goes on with the next one; in JSON Lines a broken
/// line ends at its line break. A break in the array's own structure (a missing comma) ends the
/// file with an error, as nothing after it can be trusted.
final class JSONRecordReader: Sendable {
    /// An object longer than this is refused (and not kept), so a missing brace cannot fill memory.
    static let maximumRecordBytes = 1 << 20

    let path: String
    let totalBytes: Int64
    private let state: Mutex<JSONScanner>

    init(path: String) throws {
        let (fd, size) = try CSVReader.openRegularFile(path)
        self.path = path
        self.totalBytes = size
        self.state = Mutex(JSONScanner(fd: fd))
    }

    deinit {
        _ = state.withLock { close($0.fd) }
    }

    var bytesRead: Int64 { state.withLock { $0.bytesRead } }

    /// The next object, or nil at the end of the file; throws when the file cannot be read or its
    /// array structure is broken.
    func next() throws -> JSONRecord? {
        let raw: JSONScanner.Raw?
        do {
            raw = try state.withLock { try $0.nextRaw() }
        } catch var error as CSVFileError {
            error.path = path
            throw error
        }
        guard let raw else { return nil }
        if let problem = raw.problem { return JSONRecord(number: raw.number, line: raw.line, values: [:], problem: problem) }
        return Self.decode(raw)
    }

    private static func decode(_ raw: JSONScanner.Raw) -> JSONRecord {
        do {
            let value = try JSONDecoder().decode(JSONTree.self, from: Data(raw.bytes))
            guard case let .object(members) = value else {
                return JSONRecord(number: raw.number, line: raw.line, values: [:], problem: "expected an object ({\"key\": value, ...}), got \(value.kind)")
            }
            var values: [String: String] = [:]
            flatten(members, prefix: "", into: &values)
            return JSONRecord(number: raw.number, line: raw.line, values: values)
        } catch {
            return JSONRecord(number: raw.number, line: raw.line, values: [:], problem: "not valid JSON (\(describe(error)))")
        }
    }

    private static func flatten(_ members: [String: JSONTree], prefix: String, into values: inout [String: String]) {
        for (key, value) in members {
            let name = prefix + key
            switch value {
            case .null: break
            case let .scalar(text): values[name] = text
            case let .object(inner): flatten(inner, prefix: name + ".", into: &values)
            case let .array(items):
                let scalars = items.compactMap { item -> String? in if case let .scalar(text) = item { text } else { nil } }
                if scalars.count == items.count {
                    values[name] = scalars.joined(separator: ";")
                } else {
                    for (index, item) in items.enumerated() { flatten(["\(index)": item], prefix: name + ".", into: &values) }
                }
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            return (context.underlyingError.map { String(describing: $0) } ?? context.debugDescription)
        }
        return String(describing: error)
    }
}

/// A parsed JSON value with every scalar as its text.
private enum JSONTree: Decodable {
    case null
    case scalar(String)
    case object([String: JSONTree])
    case array([JSONTree])

    var kind: String {
        switch self {
        case .null: "null"
        case .scalar: "a plain value"
        case .object: "an object"
        case .array: "a list"
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .scalar(value ? "true" : "false")
        } else if let value = try? container.decode(Int64.self) {
            self = .scalar(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .scalar(text(value))
        } else if let value = try? container.decode(String.self) {
            self = .scalar(value)
        } else if let value = try? container.decode([String: JSONTree].self) {
            self = .object(value)
        } else {
            self = .array(try container.decode([JSONTree].self))
        }
    }
}

/// The byte-level scanner behind `JSONRecordReader`: finds where each top-level object starts and
/// ends (strings and nesting tracked), without parsing it.
private struct JSONScanner: ~Copyable {
    enum Layout { case unknown, array, lines, finished }

    struct Raw {
        var number: Int
        var line: Int
        var bytes: [UInt8]
        var problem: String?
    }

    let fd: Int32
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var count = 0
    var index = 0
    var atEnd = false
    var bytesRead: Int64 = 0
    var startOfFile = true
    var line = 1
    var layout = Layout.unknown
    var records = 0
    /// In an array: a value was read and a `,` or `]` must come next.
    var expectSeparator = false

    init(fd: Int32) { self.fd = fd }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}"), openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")

    private static func isSpace(_ byte: UInt8) -> Bool { byte == space || byte == tab || byte == cr || byte == lf }

    /// The next byte without consuming it, or nil at the end of the file.
    private mutating func peek() throws -> UInt8? {
        if index == count {
            if atEnd { return nil }
            let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if read < 0 {
                if errno == EINTR { return try peek() }
                throw CSVFileError(path: "", line: line, reason: String(cString: strerror(errno)))
            }
            count = read
            index = 0
            if read == 0 { atEnd = true; return nil }
            if startOfFile {
                startOfFile = false
                if read >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { index = 3; bytesRead += 3 }
                if index == count { return try peek() }
            }
        }
        return buffer[index]
    }

    private mutating func advance() {
        if buffer[index] == Self.lf { line += 1 }
        index += 1
        bytesRead += 1
    }

    private mutating func skipSpace() throws -> UInt8? {
        while let byte = try peek() {
            guard Self.isSpace(byte) else { return byte }
            advance()
        }
        return nil
    }

    private func structural(_ reason: String) -> CSVFileError {
        CSVFileError(path: "", line: line, reason: reason)
    }

    mutating func nextRaw() throws -> Raw? {
        while true {
            guard let byte = try skipSpace() else {
                if layout == .array { throw structural("the array is not closed with ']' before the end of the file") }
                return nil
            }
            switch layout {
            case .finished:
                throw structural("text after the closing ']' of the array")
            case .unknown:
                if byte == Self.openBracket {
                    advance()
                    layout = .array
                } else if byte == Self.openBrace {
                    layout = .lines
                } else {
                    throw structural("expected a JSON array of objects ([{...}, ...]) or JSON Lines (one {...} object per line)")
                }
            case .array:
                if byte == Self.closeBracket {
                    advance()
                    layout = .finished
                    continue
                }
                if expectSeparator {
                    guard byte == Self.comma else { throw structural("expected ',' or ']' after record \(records)") }
                    advance()
                    expectSeparator = false
                    continue
                }
                expectSeparator = true
                return try value()
            case .lines:
                return try value()
            }
        }
    }

    /// Reads one top-level value starting at the current byte (not a space).
    private mutating func value() throws -> Raw {
        records += 1
        var raw = Raw(number: records, line: line, bytes: [])
        var depth = 0
        var inString = false
        var escaped = false
        while let byte = try peek() {
            if !inString, depth == 0, !raw.bytes.isEmpty || raw.problem != nil {
                // A plain value (an array element that is not an object) ends at a separator.
                if byte == Self.comma || byte == Self.closeBracket || (layout == .lines && byte == Self.lf) { break }
            }
            if byte == Self.lf, inString || (layout == .lines && depth > 0) {
                // JSON strings hold no raw line breaks, and JSON Lines has one object per line: this
                // object is broken; in JSON Lines the next line starts afresh.
                if raw.problem == nil {
                    raw.problem = inString ? "a string is not closed before the end of its line" : "the object is not closed at the end of its line (JSON Lines: one object per line)"
                }
                if layout == .lines { advance(); return raw }
            }
            advance()
            if raw.problem == nil {
                if raw.bytes.count < JSONRecordReader.maximumRecordBytes {
                    raw.bytes.append(byte)
                } else {
                    raw.problem = "an object longer than \(JSONRecordReader.maximumRecordBytes) bytes (a missing closing brace?)"
                    raw.bytes = []
                }
            }
            if inString {
                if escaped { escaped = false } else if byte == Self.backslash { escaped = true } else if byte == Self.quote { inString = false }
                continue
            }
            switch byte {
            case Self.quote: inString = true
            case Self.openBrace, Self.openBracket: depth += 1
            case Self.closeBrace, Self.closeBracket:
                depth -= 1
                if depth == 0 { return raw }
                if depth < 0 { if raw.problem == nil { raw.problem = "a closing bracket without an opening one" }; return raw }
            default: break
            }
        }
        if depth > 0 || inString, raw.problem == nil { raw.problem = "the object is not closed before the end of the file" }
        return raw
    }
}
