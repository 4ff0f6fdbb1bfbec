import Foundation

/// How widely an incident hurts the business.
public enum Impact: String, CaseIterable, Sendable, Codable, Hashable {
    case high, medium, low
}

/// How soon the business needs it fixed.
public enum Urgency: String, CaseIterable, Sendable, Codable, Hashable {
    case high, medium, low
}

/// Incident and request priority, P1 (most urgent) to P4.
public enum Priority: Int, CaseIterable, Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    case p1 = 1, p2, p3, p4

    /// Parses `P1`..`P4` or `1`..`4`, case-insensitively.
    public init(parsing text: String) throws(DomainError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = trimmed.hasPrefix("P") ? String(trimmed.dropFirst()) : trimmed
        guard digits.count == 1, digits.allSatisfy(\.isASCII), let value = Int(digits), let priority = Priority(rawValue: value) else {
            throw .invalidField(field: "priority", value: text, expected: "one of P1, P2, P3, P4")
        }
        self = priority
    }

    public var description: String { "P\(rawValue)" }

    /// P1 sorts first: a "minimum priority" of P2 admits P1 and P2.
    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether this priority is at least as urgent as `minimum`.
    public func isAtLeast(_ minimum: Priority) -> Bool { rawValue <= minimum.rawValue }
}

/// Impact x urgency -> priority. Configurable; `itil` is the ITIL default table.
public struct PriorityMatrix: Sendable, Hashable {
    private var cells: [String: Priority]

    /// The ITIL default: priority follows the sum of impact and urgency levels.
    ///
    ///              urgency high  medium  low
    ///   impact high        P1    P2      P3
    ///          medium      P2    P3      P4
    ///          low         P3    P4      P4
    public static let itil: PriorityMatrix = {
        var cells: [String: Priority] = [:]
        let table: [(Impact, [Priority])] = [
            (.high, [.p1, .p2, .p3]),
            (.medium, [.p2, .p3, .p4]),
            (.low, [.p3, .p4, .p4]),
        ]
        for (impact, row) in table {
            for (urgency, priority) in zip(Urgency.allCases, row) {
                cells[key(impact, urgency)] = priority
            }
        }
        return PriorityMatrix(uncheckedCells: cells)
    }()

    /// A custom matrix; every one of the nine cells must be given.
    public init(_ table: [Impact: [Urgency: Priority]]) throws(DomainError) {
        var cells: [String: Priority] = [:]
        for impact in Impact.allCases {
            for urgency in Urgency.allCases {
                guard let priority = table[impact]?[urgency] else {
                    throw .invalidField(
                        field: "priorityMatrix.\(impact.rawValue).\(urgency.rawValue)", value: "",
                        expected: "a priority for every impact and urgency pair"
                    )
                }
                cells[Self.key(impact, urgency)] = priority
            }
        }
        self.init(uncheckedCells: cells)
    }

    private init(uncheckedCells: [String: Priority]) { self.cells = uncheckedCells }

    public func priority(impact: Impact, urgency: Urgency) -> Priority {
        // Every cell is present by construction; P4 is unreachable but keeps this total.
        cells[Self.key(impact, urgency)] ?? .p4
    }

    private static func key(_ impact: Impact, _ urgency: Urgency) -> String { "\(impact.rawValue)/\(urgency.rawValue)" }
}
