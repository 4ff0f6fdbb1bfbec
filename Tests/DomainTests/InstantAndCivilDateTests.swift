import Foundation
import Testing
@testable import Domain

// MARK: - Instants and civil dates

@Suite("Instants in ISO 8601")
struct InstantTests {
    @Test("an instant prints as UTC ISO 8601 with microseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (1_774_747_800_000_000, "2026-03-29T01:30:00.000000Z"),
        (1_774_747_800_123_456, "2026-03-29T01:30:00.123456Z"),
        (951_782_400_000_000, "2000-02-29T00:00:00.000000Z"),
        (1_709_251_199_999_999, "2024-02-29T23:59:59.999999Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
    ])
    func prints(micros: Int64, text: String) throws {
        let instant = Instant(microsecondsSinceEpoch: micros)
        #expect(instant.iso8601 == text)
        #expect(instant.description == text)
        #expect(Instant(iso8601: text) == instant)
    }

    @Test("ISO 8601 with a zone offset, a space, no seconds or a short fraction parses to the right instant", arguments: [
        ("2026-03-29T01:30Z", Int64(1_774_747_800_000_000)),
        ("2026-03-29T01:30:00Z", 1_774_747_800_000_000),
        ("2026-03-29 01:30:00Z", 1_774_747_800_000_000),
        ("2026-03-29T03:30:00+02:00", 1_774_747_800_000_000),
        ("2026-03-28T20:30:00-05:00", 1_774_747_800_000_000),
        ("2026-03-29T07:00:00+05:30", 1_774_747_800_000_000),
        ("2026-03-29T00:30:00+01:00", 1_774_740_600_000_000),
        ("2026-03-29T01:30:00.5Z", 1_774_747_800_500_000),
        ("2026-03-29T01:30:00.000001Z", 1_774_747_800_000_001),
        ("2026-03-29T01:30:00.1234567Z", 1_774_747_800_123_456),
        ("2026-03-29T03:30:00.25+02:00", 1_774_747_800_250_000),
    ])
    func parses(text: String, micros: Int64) {
        #expect(Instant(iso8601: text) == Instant(microsecondsSinceEpoch: micros))
    }

    @Test("text that is not a complete ISO 8601 instant is rejected", arguments: [
        "", "2026-03-29", "2026-03-29T01:30:00", "2026-03-29T01:30", "2026-02-30T00:00Z", "2026-03-29T24:00Z",
        "2026-03-29T01:60Z", "2026-03-29T01:30:60Z", "2026-03-29T01:30:00.Z", "2026-03-29T01:30+0200",
        "2026-03-29T01:30Zjunk", "2026-03-29X01:30Z", "2026-3-29T01:30:00Z", "2026-03-29T1:30:00Z",
    ])
    func rejects(text: String) {
        #expect(Instant(iso8601: text) == nil)
    }

    @Test("a zone offset that is not a real HH:MM is rejected", arguments: [
        "2026-03-29T01:30+02:60", "2026-03-29T01:30:00+24:00", "2026-03-29T01:30:00-99:99",
    ])
    func rejectsBadOffset(text: String) {
        #expect(Instant(iso8601: text) == nil)
    }

    @Test("instants subtract to durations and add durations")
    func arithmetic() {
        let start = Instant(secondsSinceEpoch: 1_774_747_800)
        let end = start + .hours(2) + .minutes(30)
        #expect(end == Instant(secondsSinceEpoch: 1_774_756_800))
        #expect(end - start == .seconds(9000))
        #expect(start - end == .seconds(-9000))
        #expect(end - .minutes(150) == start)
        #expect(Duration.days(1) == .seconds(86_400))
        #expect(Duration.milliseconds(1500).microseconds == 1_500_000)
        #expect(Duration.minutes(90).secondsValue == 5400)
    }

    @Test("whole seconds round towards the past, also before 1970")
    func secondsFloor() {
        #expect(Instant(microsecondsSinceEpoch: 1_999_999).secondsSinceEpoch == 1)
        #expect(Instant(microsecondsSinceEpoch: -1).secondsSinceEpoch == -1)
        #expect(Instant(microsecondsSinceEpoch: -1_000_000).secondsSinceEpoch == -1)
        #expect(Instant(microsecondsSinceEpoch: -1_000_001).secondsSinceEpoch == -2)
    }

    @Test("an instant from a Date is rounded to the microsecond")
    func fromDate() {
        #expect(Instant(Date(timeIntervalSince1970: 1_774_747_800.25)) == Instant(microsecondsSinceEpoch: 1_774_747_800_250_000))
        #expect(Instant(Date(timeIntervalSince1970: 0.0000016)) == Instant(microsecondsSinceEpoch: 2))
    }
}

@Suite("Civil dates")
struct CivilDateTests {
    @Test("known dates fall on the right weekday", arguments: [
        ("2026-11-25", Weekday.wednesday),
        ("2026-03-02", .monday),
        ("2026-03-08", .sunday),
        ("1970-01-01", .thursday),
        ("1969-12-31", .wednesday),
        ("2000-02-29", .tuesday),
        ("2024-02-29", .thursday),
        ("1900-01-01", .monday),
    ])
    func weekday(text: String, expected: Weekday) throws {
        let date = try #require(CivilDate(text))
        #expect(date.weekday == expected)
    }

    @Test("days that do not exist are rejected", arguments: [
        (2026, 2, 29), (2026, 4, 31), (2026, 13, 1), (2026, 0, 10), (2026, 1, 0), (2026, 1, 32), (1900, 2, 29), (2100, 2, 29),
    ])
    func invalidDates(year: Int, month: Int, day: Int) {
        #expect(CivilDate(year: year, month: month, day: day) == nil)
    }

    @Test("leap days exist in leap years", arguments: [2000, 2024, 2028])
    func leapDays(year: Int) {
        #expect(CivilDate(year: year, month: 2, day: 29) != nil)
    }

    @Test("only YYYY-MM-DD text for a real day parses", arguments: ["2026-02-29", "2026-2-28", "20260228", "2026-02-28T00:00", "", "2026-02"])
    func invalidText(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test("a sign is not part of a date field", arguments: ["+026-03-01", "2026-+3-01", "2026-03-+1"])
    func signedFields(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test("dates count days from 1970-01-01 both ways")
    func daysSinceEpoch() throws {
        #expect(try civil(1970, 1, 1).daysSinceEpoch == 0)
        #expect(try civil(1969, 12, 31).daysSinceEpoch == -1)
        #expect(try civil(2026, 1, 1).daysSinceEpoch == 20_454)
        #expect(CivilDate(daysSinceEpoch: 20_454) == (try civil(2026, 1, 1)))
        #expect(CivilDate(daysSinceEpoch: 11_016) == (try civil(2000, 2, 29)))
    }

    @Test("adding days crosses months, leap days and years")
    func addingDays() throws {
        #expect(try civil(2026, 2, 28).adding(days: 1) == (try civil(2026, 3, 1)))
        #expect(try civil(2024, 2, 28).adding(days: 1) == (try civil(2024, 2, 29)))
        #expect(try civil(2026, 12, 31).adding(days: 1) == (try civil(2027, 1, 1)))
        #expect(try civil(2026, 3, 1).adding(days: -1) == (try civil(2026, 2, 28)))
    }

    @Test("dates print as YYYY-MM-DD and order by day")
    func printAndOrder() throws {
        #expect(try civil(2026, 3, 2).description == "2026-03-02")
        #expect(try civil(2026, 3, 2) < (try civil(2026, 3, 10)))
        #expect(try civil(2025, 12, 31) < (try civil(2026, 1, 1)))
    }

    @Test("weekday names parse by their first three letters")
    func weekdayNames() {
        #expect(Weekday(name: "Wednesday") == .wednesday)
        #expect(Weekday(name: "sun") == .sunday)
        #expect(Weekday(name: "xyz") == nil)
        #expect(Weekday.allCases.map(\.shortName) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    }
}
