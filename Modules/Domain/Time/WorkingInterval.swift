import Foundation

/// A wall-clock span within one local day during which a service desk works, e.g. `09:00-17:30`.
///
/// Minutes of day rather than instants, because the same interval means different UTC instants
/// on different days (daylight saving time); `BusinessCalendar` resolves it per date.
public struct WorkingInterval: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// First minute of the interval, 0 (00:00) ..< 1440.
    public let start: Int
    /// Minute the interval ends (exclusive), 1 ... 1440 (24:00, the end of the day).
    public let end: Int

    static let expectedText = "HH:MM-HH:MM within one day with start before end, e.g. 09:00-17:30 or 00:00-24:00"

    /// Creates an interval from minutes of day; `end` 1440 means midnight at the end of the day.
    public init(start: Int, end: Int) throws(DomainError) {
        guard (0..<1440).contains(start), (1...1440).contains(end), start < end else {
            throw .invalidField(
                field: "workingInterval",
                value: "\(start)-\(end)",
                expected: "a start minute in 0..<1440 before an end minute in 1...1440"
            )
        }
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`. `24:00` is accepted as an end (the end of the day); `23:59` means
    /// exactly 23:59:00, so `00:00-23:59` leaves the day's last minute out.
    public init(parsing text: String) throws(DomainError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let start = WorkingInterval.minuteOfDay(parts[0]),
              let end = WorkingInterval.minuteOfDay(parts[1]),
              start < 1440, end > 0, start < end else {
            throw .invalidField(field: "workingInterval", value: text, expected: WorkingInterval.expectedText)
        }
        self.start = start
        self.end = end
    }

    /// `09:00-17:30`.
    public var description: String {
        "\(WorkingInterval.clockText(start))-\(WorkingInterval.clockText(end))"
    }

    /// The whole day, 00:00-24:00.
    public static let wholeDay = WorkingInterval(validStart: 0, end: 1440)

    private init(validStart start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// The interval's length on a day without a clock change.
    public var nominalDuration: Duration { .minutes(Int64(end - start)) }

    /// True when the two intervals share at least one minute (touching ends do not overlap).
    public func overlaps(_ other: WorkingInterval) -> Bool {
        start < other.end && other.start < end
    }

    public static func < (lhs: WorkingInterval, rhs: WorkingInterval) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do throws(DomainError) {
            self = try WorkingInterval(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `H:MM` or `HH:MM` with hours 0...24 (24 only as 24:00), or nil.
    private static func minuteOfDay(_ text: Substring) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pieces = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, (1...2).contains(pieces[0].count), pieces[1].count == 2,
              pieces[0].allSatisfy(\.isASCIIDigit), pieces[1].allSatisfy(\.isASCIIDigit),
              let hour = Int(pieces[0]), let minute = Int(pieces[1]),
              minute < 60, hour < 24 || (hour == 24 && minute == 0) else { return nil }
        return hour * 60 + minute
    }

    private static func clockText(_ minuteOfDay: Int) -> String {
        let hours = minuteOfDay / 60, minutes = minuteOfDay % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
