import Domain
import Foundation

/// A record's fields as text, keyed by field name (`title`, `service`, `impact`, ...): what a
/// command line or an imported row gives. Every typed read throws `DomainError.invalidField`
/// naming the field, the value and what was expected, so a caller can report it as it is.
struct FieldMap: Sendable {
    /// Values as given; a key present with an empty value means "clear" on update.
    private(set) var values: [String: String]

    init(_ values: [String: String] = [:]) { self.values = values }

    subscript(field: String) -> String? {
        get { values[field] }
        set { values[field] = newValue }
    }

    var isEmpty: Bool { values.isEmpty }

    /// The text of `field`, or nil when the field is absent.
    func text(_ field: String) -> String? { values[field] }

    /// The text of a field that must be given and not blank.
    func required(_ field: String) throws(DomainError) -> String {
        guard let value = values[field], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidField(field: field, value: values[field] ?? "", expected: "a value (\(field) is required)")
        }
        return value
    }

    /// One of an enumeration's raw values, case-insensitively.
    func choice<T: RawRepresentable & CaseIterable>(_ field: String, _ type: T.Type = T.self) throws(DomainError) -> T? where T.RawValue == String {
        guard let raw = values[field] else { return nil }
        guard let value = T(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw .invalidField(field: field, value: raw, expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }

    func requiredChoice<T: RawRepresentable & CaseIterable>(_ field: String, _ type: T.Type = T.self) throws(DomainError) -> T where T.RawValue == String {
        _ = try required(field)
        guard let value: T = try choice(field) else { throw .invalidField(field: field, value: "", expected: "a value") }
        return value
    }

    func priority(_ field: String) throws(DomainError) -> Priority? {
        guard let raw = values[field] else { return nil }
        do {
            return try Priority(parsing: raw)
        } catch {
            throw .invalidField(field: field, value: raw, expected: "one of P1, P2, P3, P4")
        }
    }

    func number(_ field: String) throws(DomainError) -> Double? {
        guard let raw = values[field] else { return nil }
        guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw .invalidField(field: field, value: raw, expected: "a number such as 42 or 0.75")
        }
        return value
    }

    func requiredNumber(_ field: String) throws(DomainError) -> Double {
        _ = try required(field)
        return try number(field) ?? 0  // present, so number() returned a value or threw
    }

    func flag(_ field: String) throws(DomainError) -> Bool? {
        guard let raw = values[field] else { return nil }
        switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "y", "1": return true
        case "false", "no", "n", "0": return false
        default: throw .invalidField(field: field, value: raw, expected: "true or false")
        }
    }

    /// A `YYYY-MM-DD` date; `.some(nil)` when the field is present but empty (clear it).
    func date(_ field: String) throws(DomainError) -> CivilDate?? {
        guard let raw = values[field] else { return nil }
        if raw.trimmingCharacters(in: .whitespaces).isEmpty { return .some(nil) }
        guard let date = CivilDate(raw.trimmingCharacters(in: .whitespaces)) else {
            throw .invalidField(field: field, value: raw, expected: "a date as YYYY-MM-DD")
        }
        return date
    }

    /// A list kept in one field, split at `separators` (";" by default), blanks dropped.
    func list(_ field: String, separators: Set<Character> = [";"]) -> [String]? {
        values[field].map { text in
            text.split(whereSeparator: { separators.contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// An instant: ISO 8601 with `Z` or an offset, or local wall time (`YYYY-MM-DDTHH:MM[:SS]`,
    /// a space also works) on the clock of the time zone in `zoneField`.
    func instant(_ field: String, zoneField: String = "time-zone") throws(DomainError) -> Instant? {
        guard let raw = values[field] else { return nil }
        return try TimeText.instant(raw, field: field, zone: values[zoneField], zoneField: zoneField)
    }
}

/// Times as people type them on the command line and in exports.
enum TimeText {
    static let expected = "an ISO 8601 time such as 2026-12-01T22:00Z or 2026-12-01T23:00+01:00, or local time 2026-12-01T23:00 with a time zone"

    /// See `FieldMap.instant`. A skipped local time resolves to the end of the gap, a repeated one
    /// to its first occurrence (as the business calendars do).
    static func instant(_ raw: String, field: String, zone: String?, zoneField: String) throws(DomainError) -> Instant {
        var text = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        // An offset without its colon (+0100), as some tools export it.
        let tail = text.utf8.suffix(5)
        if text.contains("T"), tail.count == 5, tail.first == UInt8(ascii: "+") || tail.first == UInt8(ascii: "-"), tail.dropFirst().allSatisfy({ (48...57).contains($0) }) {
            text.insert(":", at: text.index(text.endIndex, offsetBy: -2))
        }
        if let instant = Instant(iso8601: text) { return instant }
        guard let (date, seconds) = localParts(text) else { throw .invalidField(field: field, value: raw, expected: expected) }
        guard let zone, !zone.isEmpty else {
            throw .invalidField(field: field, value: raw, expected: "an offset (Z or +01:00), or a time zone given with --\(zoneField)")
        }
        let clock: LocalClock
        do { clock = try LocalClock(timeZoneIdentifier: zone) } catch {
            throw .invalidField(field: zoneField, value: zone, expected: "an IANA time zone such as Europe/Berlin")
        }
        return clock.instant(on: date, minuteOfDay: seconds / 60) + .seconds(Int64(seconds % 60))
    }

    /// A bound of an opening period: a date is its first moment on the clock of `zone` (UTC when
    /// nil), or the first moment of the next day when `endOfDay`; an instant is itself.
    static func bound(_ raw: String, field: String, zone: String?, endOfDay: Bool) throws(DomainError) -> Instant {
        guard let date = CivilDate(raw.trimmingCharacters(in: .whitespaces)) else {
            return try instant(raw, field: field, zone: zone ?? "UTC", zoneField: "time-zone")
        }
        let clock: LocalClock
        do { clock = try LocalClock(timeZoneIdentifier: zone ?? "UTC") } catch {
            throw .invalidField(field: "time-zone", value: zone ?? "", expected: "an IANA time zone such as Europe/Berlin")
        }
        return clock.instant(on: endOfDay ? date.adding(days: 1) : date)
    }

    /// `YYYY-MM-DD` alone (midnight) or with `THH:MM[:SS]`: the date and the second of the day.
    static func localParts(_ text: String) -> (CivilDate, Int)? {
        let pieces = text.split(separator: "T", omittingEmptySubsequences: false)
        guard let date = pieces.first.flatMap({ CivilDate(String($0)) }) else { return nil }
        if pieces.count == 1 { return (date, 0) }
        let clock = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, (2...3).contains(clock.count), clock.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hour = Int(clock[0]), let minute = Int(clock[1]), hour < 24, minute < 60 else { return nil }
        let second = clock.count == 3 ? Int(clock[2]) : 0
        guard let second, second < 60 else { return nil }
        return (date, hour * 3600 + minute * 60 + second)
    }

    /// A duration such as `45m`, `4h`, `1h30m` or `2d` (days of business time are 24 h).
    static func duration(_ raw: String, field: String) throws(DomainError) -> Duration {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        var total: Int64 = 0
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int64? = switch character { case "d": 86_400; case "h": 3600; case "m": 60; case "s": 1; default: nil }
            guard let unit, let value = Int64(digits), value <= 1_000_000 else {
                throw .invalidField(field: field, value: raw, expected: "a duration such as 45m, 4h, 1h30m or 2d")
            }
            total += value * unit
            digits = ""
        }
        guard digits.isEmpty, total > 0 else { throw .invalidField(field: field, value: raw, expected: "a duration such as 45m, 4h, 1h30m or 2d") }
        return .seconds(total)
    }

    /// `1h30m`-style text for a duration in whole minutes or seconds.
    static func text(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        var parts: [String] = []
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            parts.append("\(seconds / size)\(unit)")
            seconds %= size
        }
        return parts.isEmpty ? "0s" : parts.joined()
    }
}
