import Domain
import SQLKit

/// What one digest measures: the period, the one before it (for the comparison), the one after it
/// (for the change calendar), and the list's filter.
public struct DigestScope: Hashable, Sendable {
    public let current: Range<Instant>
    public let previous: Range<Instant>
    /// The period of the same kind after `current` (the change calendar looks ahead over it).
    public let next: Range<Instant>
    /// Services the list is limited to; empty means all.
    public let serviceIDs: [Int64]
    /// Incidents and requests of this priority or higher (P1 is highest) are included.
    public let minimumPriority: Priority

    public init(current: Range<Instant>, previous: Range<Instant>, next: Range<Instant>, serviceIDs: [Int64], minimumPriority: Priority) {
        self.current = current
        self.previous = previous
        self.next = next
        self.serviceIDs = serviceIDs.sorted()
        self.minimumPriority = minimumPriority
    }

    /// `AND <column> IN (...)` when the list names services; nothing otherwise.
    func services(_ column: String) -> SQLQueryString {
        guard !serviceIDs.isEmpty else { return "" }
        return " AND \(unsafeRaw: column) IN (\(binds: serviceIDs.map { $0 as any Encodable & Sendable }))"
    }

    /// `AND <column> <= minimum` for the priority filter.
    func priority(_ column: String) -> SQLQueryString {
        " AND \(unsafeRaw: column) <= \(bind: Int64(minimumPriority.rawValue))"
    }

    var s: Int64 { current.lowerBound.microsecondsSinceEpoch }
    var e: Int64 { current.upperBound.microsecondsSinceEpoch }
    var ps: Int64 { previous.lowerBound.microsecondsSinceEpoch }
    var pe: Int64 { previous.upperBound.microsecondsSinceEpoch }
}
