import Domain
import Reporting
import Testing

@Suite("reporting periods in the list's time zone")
struct ReportingPeriodTests {
    let berlin: LocalClock

    init() throws {
        berlin = try LocalClock(timeZoneIdentifier: "Europe/Berlin")
    }

    func instant(_ text: String) throws -> Instant { try #require(Instant(iso8601: text)) }
    func day(_ text: String) throws -> CivilDate { try #require(CivilDate(text)) }

    @Test("the previous day is yesterday's local midnight to today's")
    func previousDay() throws {
        // 2026-11-25 00:30 in Berlin (CET, UTC+1) is 2026-11-24T23:30Z: "yesterday" is the 24th.
        let period = try ReportingPeriod.previous(.day, before: try instant("2026-11-24T23:30:00Z"), clock: berlin)
        #expect(period.firstDay == (try day("2026-11-24")))
        #expect(period.range == (try instant("2026-11-23T23:00:00Z"))..<(try instant("2026-11-24T23:00:00Z")))
    }

    @Test("the previous week runs Monday to Sunday before this week's Monday")
    func previousWeek() throws {
        // Wednesday 2026-11-25 -> Monday 2026-11-16 .. Sunday 2026-11-22.
        let period = try ReportingPeriod.previous(.week, before: try instant("2026-11-25T09:00:00Z"), clock: berlin)
        #expect(period.firstDay == (try day("2026-11-16")))
        #expect(period.lastDay == (try day("2026-11-22")))
        #expect(period.preceding.firstDay == (try day("2026-11-09")))
        #expect(period.preceding.lastDay == (try day("2026-11-15")))
    }

    @Test("a week containing the autumn DST switch lasts 169 hours")
    func weekAcrossFallBack() throws {
        // Monday 2026-10-26 -> previous week 2026-10-19..2026-10-25, which contains the 25 h Sunday.
        let period = try ReportingPeriod.previous(.week, before: try instant("2026-10-26T12:00:00Z"), clock: berlin)
        #expect(period.range.upperBound - period.range.lowerBound == .hours(7 * 24 + 1))
        #expect(period.range.lowerBound == (try instant("2026-10-18T22:00:00Z")))  // 00:00 CEST = 22:00Z
        #expect(period.range.upperBound == (try instant("2026-10-25T23:00:00Z")))  // 00:00 CET = 23:00Z
    }

    @Test("the previous month of January is December of the year before, and its predecessor November")
    func previousMonthAcrossYear() throws {
        let period = try ReportingPeriod.previous(.month, before: try instant("2027-01-10T08:00:00Z"), clock: berlin)
        #expect(period.firstDay == (try day("2026-12-01")))
        #expect(period.lastDay == (try day("2026-12-31")))
        #expect(period.preceding.firstDay == (try day("2026-11-01")))
        #expect(period.preceding.lastDay == (try day("2026-11-30")))
    }

    @Test("a March period in New York is an hour short for the spring-forward Sunday")
    func marchInNewYork() throws {
        let newYork = try LocalClock(timeZoneIdentifier: "America/New_York")
        let period = try ReportingPeriod.previous(.month, before: try instant("2026-04-02T12:00:00Z"), clock: newYork)
        #expect(period.range.upperBound - period.range.lowerBound == .hours(31 * 24 - 1))
    }

    @Test("a custom range with its last day before its first is rejected naming the period")
    func invertedCustomRange() throws {
        #expect(throws: DomainError.invalidField(field: "period", value: "2026-11-15..2026-11-01", expected: "a first day on or before the last day")) {
            try ReportingPeriod(from: try day("2026-11-15"), through: try day("2026-11-01"), clock: berlin)
        }
    }

    @Test("an unknown time zone is rejected naming the field")
    func unknownZone() {
        #expect(throws: DomainError.invalidField(field: "timeZone", value: "Mars/Olympus", expected: "an IANA time zone such as Europe/Berlin")) {
            try LocalClock(timeZoneIdentifier: "Mars/Olympus")
        }
    }
}
