import Foundation

/// Response and resolution targets for one priority, in business time.
public struct SLATarget: Hashable, Sendable, Codable {
    public var response: Duration
    public var resolution: Duration

    public init(response: Duration, resolution: Duration) throws(DomainError) {
        guard response > .zero else {
            throw .invalidField(field: "response", value: "\(response.components.seconds)s", expected: "a target above zero")
        }
        guard resolution >= response else {
            throw .invalidField(
                field: "resolution", value: "\(resolution.components.seconds)s",
                expected: "a target no shorter than the response target (\(response.components.seconds)s)"
            )
        }
        self.response = response
        self.resolution = resolution
    }
}

/// A service level agreement: targets per priority measured against a business calendar.
public struct ServiceLevelAgreement: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var name: String
    public var calendarID: Int64
    public var targets: [Priority: SLATarget]
    /// The fraction of a target after which an open item is "at risk" (warning), e.g. 0.75.
    public var warningThreshold: Double

    public init(
        id: Int64? = nil, name: String, calendarID: Int64, targets: [Priority: SLATarget], warningThreshold: Double = 0.75
    ) throws(DomainError) {
        self.id = id
        self.name = try Validate.line(name, field: "name", maxLength: 200)
        guard !targets.isEmpty else {
            throw .invalidField(field: "targets", value: "", expected: "a target for at least one priority")
        }
        guard warningThreshold > 0, warningThreshold <= 1 else {
            throw .invalidField(field: "warningThreshold", value: "\(warningThreshold)", expected: "a fraction above 0 and at most 1")
        }
        self.calendarID = calendarID
        self.targets = targets
        self.warningThreshold = warningThreshold
    }

    /// The clocks for an item of `priority`, or nil when the SLA has no target for it.
    public func clocks(for priority: Priority, calendar: BusinessCalendar) throws(DomainError) -> (response: SLAClock, resolution: SLAClock)? {
        guard let target = targets[priority] else { return nil }
        return (
            try SLAClock(calendar: calendar, target: target.response, warningThreshold: warningThreshold),
            try SLAClock(calendar: calendar, target: target.resolution, warningThreshold: warningThreshold)
        )
    }
}
