import Foundation

/// A period in which changes must not be implemented (a blackout), for some or all services.
public struct FreezeWindow: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var name: String
    public var start: Instant
    public var end: Instant
    /// The services frozen; empty means every service.
    public var serviceIDs: [Int64]

    public init(id: Int64? = nil, name: String, start: Instant, end: Instant, serviceIDs: [Int64] = []) throws(DomainError) {
        self.id = id
        self.name = try Validate.line(name, field: "name", maxLength: 200)
        guard end > start else {
            throw .invalidField(field: "end", value: end.iso8601, expected: "an end after the start (\(start.iso8601))")
        }
        self.start = start
        self.end = end
        self.serviceIDs = serviceIDs
    }

    public var range: Range<Instant> { start..<end }

    public func applies(to serviceID: Int64?) -> Bool {
        serviceIDs.isEmpty || serviceID.map(serviceIDs.contains) == true
    }
}

/// Something wrong on the change calendar.
public enum ChangeConflict: Hashable, Sendable {
    /// Two changes to the same service with overlapping windows; `first` has the lower id.
    case collision(first: Int64, second: Int64, serviceID: Int64, overlap: Range<Instant>)
    /// A change whose window falls (partly) inside a freeze.
    case freeze(change: Int64, freeze: String, overlap: Range<Instant>)
}

/// The change calendar: changes with planned windows, checked against each other and against freezes.
public struct ChangeCalendar: Sendable {
    public var changes: [Change]
    public var freezes: [FreezeWindow]

    public init(changes: [Change], freezes: [FreezeWindow]) {
        self.changes = changes
        self.freezes = freezes
    }

    /// Changes that will still happen: not rejected, cancelled or already implemented.
    static func isPlanned(_ change: Change) -> Bool {
        switch change.state {
        case .new, .awaitingApproval, .authorised, .scheduled: true
        case .implemented, .reviewed, .closed, .rejected, .cancelled: false
        }
    }

    /// Every collision and freeze conflict among the planned changes, ordered by window start.
    /// Windows are half-open: a change ending at 02:00 does not collide with one starting at 02:00.
    public func conflicts() -> [ChangeConflict] {
        let planned = changes
            .compactMap { change -> (Int64, Int64?, ChangeWindow)? in
                guard Self.isPlanned(change), let id = change.id, let window = change.window else { return nil }
                return (id, change.serviceID, window)
            }
            .sorted { ($0.2.start, $0.0) < ($1.2.start, $1.0) }

        var result: [(Instant, ChangeConflict)] = []
        for (index, (id, serviceID, window)) in planned.enumerated() {
            if let serviceID {
                // Sorted by start: only later-starting windows that begin before this one ends can overlap.
                for (otherID, otherService, otherWindow) in planned[(index + 1)...] {
                    guard otherWindow.start < window.end else { break }
                    guard otherService == serviceID else { continue }
                    let overlap = max(window.start, otherWindow.start)..<min(window.end, otherWindow.end)
                    result.append((overlap.lowerBound, .collision(first: min(id, otherID), second: max(id, otherID), serviceID: serviceID, overlap: overlap)))
                }
            }
            for freeze in freezes where freeze.applies(to: serviceID) && freeze.range.overlaps(window.range) {
                let overlap = max(window.start, freeze.start)..<min(window.end, freeze.end)
                result.append((overlap.lowerBound, .freeze(change: id, freeze: freeze.name, overlap: overlap)))
            }
        }
        return result.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
