import Domain

/// One lifecycle digest: what happened in each selected stage of the ITIL lifecycle over one period,
/// for one list's filter. Built once per list and period; only the greeting and the unsubscribe
/// link differ per subscriber, and those are the renderers' business.
///
/// Every figure is defined in docs/KPIS.md. Counts are whole numbers; percentages are 0...100;
/// durations are seconds. A figure with nothing to measure (a rate over zero items) is nil, shown as "n/a".
public struct Digest: Codable, Hashable, Sendable {
    public var list: ListHeading
    public var period: PeriodHeading
    /// When the digest was built.
    public var generatedAt: Timestamp
    public var strategy: StrategySection?
    public var design: DesignSection?
    public var transition: TransitionSection?
    public var operation: OperationSection?
    public var improvement: ImprovementSection?

    public init(
        list: ListHeading, period: PeriodHeading, generatedAt: Timestamp, strategy: StrategySection? = nil,
        design: DesignSection? = nil, transition: TransitionSection? = nil, operation: OperationSection? = nil,
        improvement: ImprovementSection? = nil
    ) {
        self.list = list
        self.period = period
        self.generatedAt = generatedAt
        self.strategy = strategy
        self.design = design
        self.transition = transition
        self.operation = operation
        self.improvement = improvement
    }

    /// The selected stages in lifecycle order.
    public var stages: [LifecycleStage] {
        var result: [LifecycleStage] = []
        if strategy != nil { result.append(.strategy) }
        if design != nil { result.append(.design) }
        if transition != nil { result.append(.transition) }
        if operation != nil { result.append(.operation) }
        if improvement != nil { result.append(.improvement) }
        return result
    }

    /// True when no selected section has anything to report (see each section's `isEmpty`);
    /// a list can choose not to send such a digest.
    public var isEmpty: Bool {
        (strategy?.isEmpty ?? true) && (design?.isEmpty ?? true) && (transition?.isEmpty ?? true)
            && (operation?.isEmpty ?? true) && (improvement?.isEmpty ?? true)
    }
}

/// The list a digest was built for.
public struct ListHeading: Codable, Hashable, Sendable {
    public var slug: String
    public var title: String
    public var timeZone: String
    /// The services the list is limited to (names), empty for all.
    public var services: [String]
    /// The lowest priority included (P1 highest); incidents and requests below it are left out.
    public var minimumPriority: Int

    public init(slug: String, title: String, timeZone: String, services: [String], minimumPriority: Int) {
        self.slug = slug
        self.title = title
        self.timeZone = timeZone
        self.services = services
        self.minimumPriority = minimumPriority
    }
}

/// The period a digest covers and the one it is compared with, as local dates and UTC instants.
public struct PeriodHeading: Codable, Hashable, Sendable {
    /// "day", "week", "month" or "custom".
    public var kind: String
    public var firstDay: CivilDate
    public var lastDay: CivilDate
    public var start: Timestamp
    public var end: Timestamp
    public var previousFirstDay: CivilDate
    public var previousLastDay: CivilDate

    public init(kind: String, firstDay: CivilDate, lastDay: CivilDate, start: Timestamp, end: Timestamp, previousFirstDay: CivilDate, previousLastDay: CivilDate) {
        self.kind = kind
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.start = start
        self.end = end
        self.previousFirstDay = previousFirstDay
        self.previousLastDay = previousLastDay
    }
}

/// An instant, encoded as ISO 8601 UTC text (`2026-11-23T08:00:00Z`).
public struct Timestamp: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var instant: Instant

    public init(_ instant: Instant) { self.instant = instant }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let instant = Instant(iso8601: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected an ISO 8601 instant, got \(text)"))
        }
        self.instant = instant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(instant.iso8601)
    }

    public var description: String { instant.iso8601 }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.instant < rhs.instant }
}

/// A KPI: this period's value, the previous period's, and the change between them.
public struct Metric: Codable, Hashable, Sendable {
    public enum Unit: String, Codable, Hashable, Sendable {
        case count, percent, seconds
        /// A measurement in the initiative's own unit (an improvement's metric), shown as measured.
        case number
    }

    public var unit: Unit
    public var current: Double?
    public var previous: Double?

    public init(_ unit: Unit, current: Double?, previous: Double?) {
        self.unit = unit
        self.current = current
        self.previous = previous
    }

    public static func count(_ current: Int, previous: Int) -> Metric { Metric(.count, current: Double(current), previous: Double(previous)) }

    /// Current minus previous (percentage points for percentages); nil when either is missing.
    public var change: Double? {
        guard let current, let previous else { return nil }
        return current - previous
    }

    enum CodingKeys: String, CodingKey { case unit, current, previous, change }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        unit = try container.decode(Unit.self, forKey: .unit)
        current = try container.decodeIfPresent(Double.self, forKey: .current)
        previous = try container.decodeIfPresent(Double.self, forKey: .previous)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(unit, forKey: .unit)
        try container.encode(current, forKey: .current)
        try container.encode(previous, forKey: .previous)
        try container.encode(change, forKey: .change)
    }
}

/// A record named in a digest: kind and id (as `INC-42`), title, service and priority where it has them.
public struct RecordLine: Codable, Hashable, Sendable {
    public var reference: String
    public var title: String
    public var service: String?
    public var priority: Int?
    /// A short fact about the record in this context ("backed out", "P1, open 3 days", ...).
    public var note: String?

    public init(reference: String, title: String, service: String? = nil, priority: Int? = nil, note: String? = nil) {
        self.reference = reference
        self.title = title
        self.service = service
        self.priority = priority
        self.note = note
    }
}
