import Domain

/// The span of time a digest reports on, in the list's time zone.
public enum ReportingPeriodKind: String, CaseIterable, Sendable, Codable, Hashable {
    case day, week, month
}
