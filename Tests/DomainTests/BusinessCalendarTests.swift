import Foundation
import Testing
@testable import Domain

// Reference days: 2026-06-01 is a Monday; June is CEST (UTC+2) in Berlin, so 09:00 local = 07:00Z.
// DST 2026: Berlin springs forward Sun 03-29 at 01:00Z (02:00 CET -> 03:00 CEST) and falls back
// Sun 10-25 at 01:00Z (03:00 CEST -> 02:00 CET); New York springs forward Sun 03-08 at 07:00Z
// (02:00 EST -> 03:00 EDT) and falls back Sun 11-01 at 06:00Z (02:00 EDT -> 01:00 EST).

private func at(_ text: String) throws -> Instant { try #require(Instant(iso8601: text)) }
private func day(_ text: String) throws -> CivilDate { try #require(CivilDate(text)) }

private let weekdays: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday]

private func calendar(
    _ zone: String, on days: [Weekday] = Weekday.allCases, _ intervals: [String], holidays: [Holiday] = []
) throws -> BusinessCalendar {
    let parsed = try intervals.map { try WorkingInterval(parsing: $0) }
    return try BusinessCalendar(
        name: "test", timeZoneIdentifier: zone,
        weeklyHours: Dictionary(uniqueKeysWithValues: days.map { ($0, parsed) }), holidays: holidays
    )
}

/// Berlin office hours, Monday to Friday 09:00-17:00.
private func office(holidays: [Holiday] = []) throws -> BusinessCalendar {
    try calendar("Europe/Berlin", on: weekdays, ["09:00-17:00"], holidays: holidays)
}

@Suite("BusinessCalendar: validation")
struct BusinessCalendarValidationTests {
    @Test("an unknown time zone is refused")
    func unknownZone() {
        #expect(throws: DomainError.invalidField(
            field: "timeZone", value: "Mars/Olympus_Mons", expected: "an IANA time zone such as Europe/Berlin"
        )) {
            try calendar("Mars/Olympus_Mons", ["09:00-17:00"])
        }
    }

    @Test("overlapping intervals on one day are refused, naming the day and both intervals")
    func overlapping() throws {
        let morning = try WorkingInterval(parsing: "09:00-12:00")
        let overlap = try WorkingInterval(parsing: "11:00-13:00")
        #expect(throws: DomainError.invalidField(
            field: "weeklyHours.tue", value: "09:00-12:00, 11:00-13:00",
            expected: "working intervals on one day that do not overlap"
        )) {
            try BusinessCalendar(name: "x", timeZoneIdentifier: "UTC", weeklyHours: [.tuesday: [overlap, morning]])
        }
    }

    @Test("a week without any working interval is refused")
    func emptyWeek() {
        let expected = DomainError.invalidField(
            field: "weeklyHours", value: "no intervals", expected: "at least one working interval in the week"
        )
        #expect(throws: expected) { try BusinessCalendar(name: "x", timeZoneIdentifier: "UTC", weeklyHours: [:]) }
        #expect(throws: expected) {
            try BusinessCalendar(name: "x", timeZoneIdentifier: "UTC", weeklyHours: [.monday: [], .friday: []])
        }
    }

    @Test("a blank name is refused")
    func blankName() {
        #expect(throws: DomainError.invalidField(field: "name", value: "  \n", expected: "a non-empty calendar name")) {
            try BusinessCalendar.twentyFourSeven(name: "  \n", timeZoneIdentifier: "UTC")
        }
    }

    @Test("intervals are sorted, touching intervals are fine, the name is trimmed and days off are dropped")
    func normalises() throws {
        let afternoon = try WorkingInterval(parsing: "12:00-17:00")
        let morning = try WorkingInterval(parsing: "09:00-12:00")
        let cal = try BusinessCalendar(
            name: " Service Desk ", timeZoneIdentifier: "Europe/Berlin",
            weeklyHours: [.monday: [afternoon, morning], .sunday: []]
        )
        #expect(cal.name == "Service Desk")
        #expect(cal.weeklyHours == [.monday: [morning, afternoon]])
    }

    @Test("a calendar round-trips through JSON and decoding validates")
    func codable() throws {
        let cal = try BusinessCalendar(
            id: 7, name: "Office", timeZoneIdentifier: "Europe/Berlin",
            weeklyHours: [.monday: [try WorkingInterval(parsing: "09:00-17:00")]],
            holidays: [Holiday(date: try day("2026-12-25"), name: "Christmas Day")]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(cal), as: UTF8.self)
        #expect(json == #"{"holidays":[{"date":"2026-12-25","name":"Christmas Day"}],"id":7,"name":"Office","#
            + #""timeZone":"Europe\/Berlin","weeklyHours":{"mon":["09:00-17:00"]}}"#)
        #expect(try JSONDecoder().decode(BusinessCalendar.self, from: Data(json.utf8)) == cal)

        let overlapping = #"{"name":"x","timeZone":"UTC","weeklyHours":{"mon":["09:00-12:00","11:00-13:00"]}}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(BusinessCalendar.self, from: Data(overlapping.utf8))
        }
        let badDay = #"{"name":"x","timeZone":"UTC","weeklyHours":{"someday":["09:00-12:00"]}}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(BusinessCalendar.self, from: Data(badDay.utf8))
        }
    }
}

@Suite("BusinessCalendar: business time")
struct BusinessTimeTests {
    @Test("weekends do not count")
    func weekend() throws {
        // Fri 2026-06-05 16:00 CEST (14:00Z) .. Mon 06-08 10:00 CEST (08:00Z): 1 h Friday + 1 h Monday.
        let time = try office().businessTime(from: try at("2026-06-05T14:00:00Z"), to: try at("2026-06-08T08:00:00Z"))
        #expect(time == .hours(2))
    }

    @Test("a holiday does not count and has no working intervals")
    func holiday() throws {
        let corpusChristi = try day("2026-06-04")  // a Thursday
        let cal = try office(holidays: [Holiday(date: corpusChristi, name: "Corpus Christi")])
        #expect(cal.workingIntervals(on: corpusChristi).isEmpty)
        #expect(cal.isHoliday(corpusChristi))
        // Wed 06-03 16:00 CEST (14:00Z) .. Fri 06-05 10:00 CEST (08:00Z): 1 h Wed + 0 Thu + 1 h Fri.
        let time = cal.businessTime(from: try at("2026-06-03T14:00:00Z"), to: try at("2026-06-05T08:00:00Z"))
        #expect(time == .hours(2))
        // 2 h from Wed 16:00: 1 h Wed, Thursday skipped, 1 h Fri -> Fri 10:00 CEST = 08:00Z.
        #expect(try cal.deadline(from: try at("2026-06-03T14:00:00Z"), adding: .hours(2)) == (try at("2026-06-05T08:00:00Z")))
    }

    @Test("working time across midnight joins the evening and the early-morning interval")
    func acrossMidnight() throws {
        let night = try calendar("Europe/Berlin", ["00:00-06:00", "22:00-24:00"])
        // Mon 06-01 23:00 CEST (21:00Z) .. Tue 06-02 02:00 CEST (00:00Z): 1 h before + 2 h after midnight.
        #expect(night.businessTime(from: try at("2026-06-01T21:00:00Z"), to: try at("2026-06-02T00:00:00Z")) == .hours(3))
        // 1 h from 23:30 CEST: 30 min to midnight, 30 min after -> 00:30 CEST = 22:30Z.
        #expect(try night.deadline(from: try at("2026-06-01T21:30:00Z"), adding: .hours(1)) == (try at("2026-06-01T22:30:00Z")))
        // The interval ending 24:00 ends exactly at the next local midnight, 22:00Z.
        #expect(night.workingIntervals(on: try day("2026-06-01")).last == (try at("2026-06-01T20:00:00Z"))..<(try at("2026-06-01T22:00:00Z")))
    }

    @Test("an interval ending 23:59 leaves out the last minute that one ending 24:00 counts")
    func endAt2359Versus2400() throws {
        let to2359 = try calendar("UTC", ["00:00-23:59"])
        let to2400 = try calendar("UTC", ["00:00-24:00"])
        let monday = try at("2026-06-01T00:00:00Z"), nextMonday = try at("2026-06-08T00:00:00Z")
        #expect(to2359.businessTime(from: monday, to: nextMonday) == .minutes(10_073))  // 7 * 1439
        #expect(to2400.businessTime(from: monday, to: nextMonday) == .hours(168))  // 7 * 24
        let lastMinute = try at("2026-06-01T23:59:00Z"), midnight = try at("2026-06-02T00:00:00Z")
        #expect(to2359.businessTime(from: lastMinute, to: midnight) == .zero)
        #expect(to2400.businessTime(from: lastMinute, to: midnight) == .minutes(1))
        // 2 min from 23:58: 23:58-23:59, then 00:00-00:01 the next day.
        #expect(try to2359.deadline(from: try at("2026-06-01T23:58:00Z"), adding: .minutes(2)) == (try at("2026-06-02T00:01:00Z")))
        // 2 min from 23:58 without a gap at midnight.
        #expect(try to2400.deadline(from: try at("2026-06-01T23:58:00Z"), adding: .minutes(2)) == midnight)
    }

    @Test("a lunch gap between two intervals does not count")
    func lunchGap() throws {
        let cal = try calendar("Europe/Berlin", on: weekdays, ["13:00-17:00", "09:00-12:00"])
        // Mon 11:00 CEST (09:00Z) .. 14:00 CEST (12:00Z): 11-12 and 13-14.
        #expect(cal.businessTime(from: try at("2026-06-01T09:00:00Z"), to: try at("2026-06-01T12:00:00Z")) == .hours(2))
        // Whole Monday: 3 h + 4 h.
        #expect(cal.businessTime(from: try at("2026-06-01T00:00:00Z"), to: try at("2026-06-02T00:00:00Z")) == .hours(7))
        // 1 h from 11:00 lands exactly at the morning's end, 12:00 CEST = 10:00Z, not at 13:00.
        #expect(try cal.deadline(from: try at("2026-06-01T09:00:00Z"), adding: .hours(1)) == (try at("2026-06-01T10:00:00Z")))
        // 90 min from 11:00: 60 min to 12:00, 30 min after lunch -> 13:30 CEST = 11:30Z.
        #expect(try cal.deadline(from: try at("2026-06-01T09:00:00Z"), adding: .minutes(90)) == (try at("2026-06-01T11:30:00Z")))
    }

    @Test("the span is empty when it ends at or before its start")
    func emptySpan() throws {
        let noon = try at("2026-06-01T10:00:00Z")
        #expect(try office().businessTime(from: noon, to: noon) == .zero)
        #expect(try office().businessTime(from: noon, to: noon - .hours(1)) == .zero)
    }

    @Test("business time over 90 days is counted per day")
    func ninetyDays() throws {
        let cal = try calendar("UTC", on: weekdays, ["09:00-17:00"])
        // 2026-06-01 (Mon) .. 2026-08-30 (Sun) is 90 days = 12 weeks + 6 days (Mon..Sat): 65 working days.
        let time = cal.businessTime(from: try at("2026-06-01T00:00:00Z"), to: try at("2026-08-30T00:00:00Z"))
        #expect(time == .hours(520))  // 65 * 8
    }
}

@Suite("BusinessCalendar: pauses")
struct PauseTests {
    @Test("a pause inside a working interval is not counted")
    func insideInterval() throws {
        // Mon 09:00-17:00 CEST (07:00Z-15:00Z) minus 10:00-11:00 CEST (08:00Z-09:00Z).
        let pause = try at("2026-06-01T08:00:00Z")..<(try at("2026-06-01T09:00:00Z"))
        let time = try office().businessTime(from: try at("2026-06-01T07:00:00Z"), to: try at("2026-06-01T15:00:00Z"), pauses: [pause])
        #expect(time == .hours(7))  // 8 - 1
    }

    @Test("a pause across the night removes only the working time it covers")
    func acrossIntervals() throws {
        // Pause Mon 16:00 CEST (14:00Z) .. Tue 10:00 CEST (08:00Z): removes 1 h Mon + 1 h Tue.
        let pause = try at("2026-06-01T14:00:00Z")..<(try at("2026-06-02T08:00:00Z"))
        let time = try office().businessTime(from: try at("2026-06-01T07:00:00Z"), to: try at("2026-06-02T15:00:00Z"), pauses: [pause])
        #expect(time == .hours(14))  // 16 - 2
        // 8 h from Mon 09:00: 7 h until the pause, 1 h from Tue 10:00 -> 11:00 CEST = 09:00Z.
        #expect(try office().deadline(from: try at("2026-06-01T07:00:00Z"), adding: .hours(8), pauses: [pause]) == (try at("2026-06-02T09:00:00Z")))
    }

    @Test("a pause across lunch removes working time on both sides of the gap")
    func acrossLunch() throws {
        let cal = try calendar("Europe/Berlin", on: weekdays, ["09:00-12:00", "13:00-17:00"])
        // Pause 11:30-13:30 CEST (09:30Z-11:30Z): 30 min before lunch, 30 min after.
        let pause = try at("2026-06-01T09:30:00Z")..<(try at("2026-06-01T11:30:00Z"))
        let time = cal.businessTime(from: try at("2026-06-01T00:00:00Z"), to: try at("2026-06-02T00:00:00Z"), pauses: [pause])
        #expect(time == .hours(6))  // 7 - 0.5 - 0.5
    }

    @Test("overlapping and repeated pauses count once")
    func overlapping() throws {
        // 10:00-11:00, 10:30-12:00, 11:30-11:45 and 10:00-11:00 again (CEST) merge to 10:00-12:00.
        let pauses = [
            try at("2026-06-01T08:00:00Z")..<(try at("2026-06-01T09:00:00Z")),
            try at("2026-06-01T08:30:00Z")..<(try at("2026-06-01T10:00:00Z")),
            try at("2026-06-01T09:30:00Z")..<(try at("2026-06-01T09:45:00Z")),
            try at("2026-06-01T08:00:00Z")..<(try at("2026-06-01T09:00:00Z")),
        ]
        let time = try office().businessTime(from: try at("2026-06-01T07:00:00Z"), to: try at("2026-06-01T15:00:00Z"), pauses: pauses)
        #expect(time == .hours(6))  // 8 - 2
        #expect(BusinessCalendar.merged(pauses) == [try at("2026-06-01T08:00:00Z")..<(try at("2026-06-01T10:00:00Z"))])
    }

    @Test("a pause that began before the clock started only removes time after the start")
    func startedEarlier() throws {
        // On hold since Sun 12:00 CEST, released Mon 10:00 CEST (08:00Z); clock from Mon 09:00.
        let pause = try at("2026-05-31T10:00:00Z")..<(try at("2026-06-01T08:00:00Z"))
        let time = try office().businessTime(from: try at("2026-06-01T07:00:00Z"), to: try at("2026-06-01T15:00:00Z"), pauses: [pause])
        #expect(time == .hours(7))  // 09:00-10:00 paused
    }

    @Test("a deadline moves by the working time a pause covers")
    func deadlineWithPause() throws {
        // 8 h from Mon 09:00 CEST with 10:00-11:00 paused: 7 h Monday, 1 h Tuesday -> Tue 10:00 CEST = 08:00Z.
        let pause = try at("2026-06-01T08:00:00Z")..<(try at("2026-06-01T09:00:00Z"))
        #expect(try office().deadline(from: try at("2026-06-01T07:00:00Z"), adding: .hours(8), pauses: [pause]) == (try at("2026-06-02T08:00:00Z")))
    }
}

@Suite("BusinessCalendar: deadlines")
struct DeadlineTests {
    @Test("a target that runs out at an interval's end lands on that end, not the next morning")
    func exactlyAtEnd() throws {
        // 8 h from Fri 06-05 09:00 CEST (07:00Z) -> Fri 17:00 CEST = 15:00Z.
        #expect(try office().deadline(from: try at("2026-06-05T07:00:00Z"), adding: .hours(8)) == (try at("2026-06-05T15:00:00Z")))
        // One minute more rolls over the weekend: Mon 06-08 09:01 CEST = 07:01Z.
        #expect(try office().deadline(from: try at("2026-06-05T07:00:00Z"), adding: .minutes(481)) == (try at("2026-06-08T07:01:00Z")))
    }

    @Test("a deadline rolls into the next working day and over the weekend")
    func rolls() throws {
        // 4 h from Thu 06-04 15:00 CEST (13:00Z): 2 h Thu, 2 h Fri -> Fri 11:00 CEST = 09:00Z.
        #expect(try office().deadline(from: try at("2026-06-04T13:00:00Z"), adding: .hours(4)) == (try at("2026-06-05T09:00:00Z")))
        // 4 h from Fri 06-05 15:00 CEST (13:00Z): 2 h Fri, 2 h Mon -> Mon 06-08 11:00 CEST = 09:00Z.
        #expect(try office().deadline(from: try at("2026-06-05T13:00:00Z"), adding: .hours(4)) == (try at("2026-06-08T09:00:00Z")))
        // 1 h from Sat 06-06 10:00 CEST: nothing until Mon 09:00 -> Mon 10:00 CEST = 08:00Z.
        #expect(try office().deadline(from: try at("2026-06-06T08:00:00Z"), adding: .hours(1)) == (try at("2026-06-08T08:00:00Z")))
    }

    @Test("a zero target is due at the start, even outside working hours")
    func zeroTarget() throws {
        let saturday = try at("2026-06-06T08:00:00Z")
        #expect(try office().deadline(from: saturday, adding: .zero) == saturday)
    }

    @Test("the deadline is where business time reaches the target")
    func consistentWithBusinessTime() throws {
        let cal = try calendar("America/New_York", on: weekdays, ["08:30-12:15", "13:00-18:00"])
        let start = try at("2026-10-29T15:17:00Z")
        for minutes in [1, 45, 200, 525, 526, 1_000, 3_000] {
            let due = try cal.deadline(from: start, adding: .minutes(Int64(minutes)))
            #expect(cal.businessTime(from: start, to: due) == .minutes(Int64(minutes)))
            #expect(cal.businessTime(from: start, to: due - .seconds(1)) == .minutes(Int64(minutes)) - .seconds(1))
        }
    }

    @Test("a target beyond ten years of working time is refused")
    func unreachable() throws {
        let start = try at("2026-06-01T07:00:00Z")
        // The search covers 3661 local days = 523 weeks, so 523 * 5 = 2615 working days of 8 h < 3000.
        #expect(throws: DomainError.ruleViolated(
            record: "calendar test", rule: "no working time within 10 years of 2026-06-01T07:00:00.000000Z"
        )) {
            try office().deadline(from: start, adding: .hours(8 * 3000))
        }
    }
}

@Suite("BusinessCalendar: daylight saving time")
struct DaylightSavingTests {
    @Test(
        "a 24x7 day lasts 23 h when clocks spring forward and 25 h when they fall back",
        arguments: [
            // Berlin 03-29: midnight CET = 03-28 23:00Z .. next midnight CEST = 03-29 22:00Z.
            ("Europe/Berlin", "2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23),
            // Berlin 10-25: midnight CEST = 10-24 22:00Z .. next midnight CET = 10-25 23:00Z.
            ("Europe/Berlin", "2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25),
            // New York 03-08: midnight EST = 05:00Z .. next midnight EDT = 03-09 04:00Z.
            ("America/New_York", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23),
            // New York 11-01: midnight EDT = 04:00Z .. next midnight EST = 11-02 05:00Z.
            ("America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25),
        ]
    )
    func twentyFourSevenDay(zone: String, date: String, start: String, end: String, hours: Int64) throws {
        let cal = try BusinessCalendar.twentyFourSeven(name: "24x7", timeZoneIdentifier: zone)
        let from = try at(start), to = try at(end)
        #expect(cal.workingIntervals(on: try day(date)) == [from..<to])
        #expect(cal.businessTime(from: from, to: to) == .hours(hours))
        #expect(try cal.deadline(from: from, adding: .hours(hours)) == to)
    }

    @Test(
        "an interval 01:00-04:00 lasts 2 h on a spring-forward day and 4 h on a fall-back day",
        arguments: [
            // 01:00 CET = 00:00Z .. 04:00 CEST = 02:00Z.
            ("Europe/Berlin", "2026-03-29", "2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z", 2),
            // 01:00 CEST = 10-24 23:00Z .. 04:00 CET = 03:00Z.
            ("Europe/Berlin", "2026-10-25", "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z", 4),
            // 01:00 EST = 06:00Z .. 04:00 EDT = 08:00Z.
            ("America/New_York", "2026-03-08", "2026-03-08T06:00:00Z", "2026-03-08T08:00:00Z", 2),
            // 01:00 EDT = 05:00Z .. 04:00 EST = 09:00Z.
            ("America/New_York", "2026-11-01", "2026-11-01T05:00:00Z", "2026-11-01T09:00:00Z", 4),
        ]
    )
    func earlyMorningInterval(zone: String, date: String, start: String, end: String, hours: Int64) throws {
        let cal = try calendar(zone, ["01:00-04:00"])
        let local = try day(date)
        #expect(cal.workingIntervals(on: local) == [(try at(start))..<(try at(end))])
        let dayStart = cal.instant(on: local, minuteOfDay: 0), dayEnd = cal.instant(on: local, minuteOfDay: 1440)
        #expect(cal.businessTime(from: dayStart, to: dayEnd) == .hours(hours))
    }

    @Test(
        "a 09:00-17:00 day stays 8 h on clock-change days",
        arguments: [
            ("Europe/Berlin", "2026-03-29", "2026-03-29T07:00:00Z"),  // 09:00 CEST
            ("Europe/Berlin", "2026-10-25", "2026-10-25T08:00:00Z"),  // 09:00 CET
            ("America/New_York", "2026-03-08", "2026-03-08T13:00:00Z"),  // 09:00 EDT
            ("America/New_York", "2026-11-01", "2026-11-01T14:00:00Z"),  // 09:00 EST
        ]
    )
    func officeDay(zone: String, date: String, opening: String) throws {
        let cal = try calendar(zone, ["09:00-17:00"])
        let local = try day(date)
        let open = try at(opening)
        #expect(cal.workingIntervals(on: local) == [open..<(open + .hours(8))])
        let dayStart = cal.instant(on: local, minuteOfDay: 0), dayEnd = cal.instant(on: local, minuteOfDay: 1440)
        #expect(cal.businessTime(from: dayStart, to: dayEnd) == .hours(8))
    }

    @Test("a deadline counts real hours through a spring-forward night")
    func deadlineThroughSpringForward() throws {
        let cal = try calendar("Europe/Berlin", ["01:00-04:00"])
        // 2 h 30 min from local midnight 03-29 (03-28 23:00Z): 2 h on 03-29 (00:00Z-02:00Z), then
        // 30 min from 03-30 01:00 CEST = 03-29 23:00Z -> 23:30Z.
        let due = try cal.deadline(from: try at("2026-03-28T23:00:00Z"), adding: .minutes(150))
        #expect(due == (try at("2026-03-29T23:30:00Z")))
    }

    @Test("a clock change at midnight (Santiago) moves the day's start to the end of the gap")
    func midnightTransition() throws {
        let cal = try BusinessCalendar.twentyFourSeven(name: "24x7", timeZoneIdentifier: "America/Santiago")
        // 2026-09-06 00:00 -04 is skipped (clocks go to 01:00 -03 at 04:00Z), so the day starts 04:00Z
        // and lasts until 09-07 00:00 -03 = 03:00Z: 23 h. The day before keeps 24 h.
        #expect(cal.instant(on: try day("2026-09-06"), minuteOfDay: 0) == (try at("2026-09-06T04:00:00Z")))
        #expect(cal.workingIntervals(on: try day("2026-09-06")) == [(try at("2026-09-06T04:00:00Z"))..<(try at("2026-09-07T03:00:00Z"))])
        #expect(cal.workingIntervals(on: try day("2026-09-05")) == [(try at("2026-09-05T04:00:00Z"))..<(try at("2026-09-06T04:00:00Z"))])
        // 2026-04-05 00:00 -03 (03:00Z) becomes 04-04 23:00 -04, so 04-04 runs 03:00Z .. 04-05 04:00Z: 25 h.
        let repeatedHour = try day("2026-04-04")
        #expect(cal.workingIntervals(on: repeatedHour) == [(try at("2026-04-04T03:00:00Z"))..<(try at("2026-04-05T04:00:00Z"))])
        // In the repeated 23:xx hour the wall clock still reads 04-04.
        #expect(cal.localDate(of: try at("2026-04-05T03:30:00Z")) == repeatedHour)
        #expect(cal.businessTime(from: try at("2026-04-05T03:30:00Z"), to: try at("2026-04-05T04:30:00Z")) == .hours(1))
    }
}

@Suite("BusinessCalendar: wall time resolution")
struct WallTimeResolutionTests {
    @Test(
        "a wall time skipped by spring forward resolves to the instant the gap ends",
        arguments: [
            ("Europe/Berlin", "2026-03-29", 150, "2026-03-29T01:00:00Z"),  // 02:30 -> 03:00 CEST
            ("Europe/Berlin", "2026-03-29", 120, "2026-03-29T01:00:00Z"),  // 02:00 -> 03:00 CEST
            ("Europe/Berlin", "2026-03-29", 180, "2026-03-29T01:00:00Z"),  // 03:00 CEST itself
            ("Europe/Berlin", "2026-03-29", 119, "2026-03-29T00:59:00Z"),  // 01:59 CET, before the gap
            ("America/New_York", "2026-03-08", 150, "2026-03-08T07:00:00Z"),  // 02:30 -> 03:00 EDT
        ]
    )
    func gap(zone: String, date: String, minute: Int, expected: String) throws {
        let cal = try BusinessCalendar.twentyFourSeven(name: "z", timeZoneIdentifier: zone)
        #expect(cal.instant(on: try day(date), minuteOfDay: minute) == (try at(expected)))
    }

    @Test(
        "a wall time repeated by fall back resolves to its first occurrence",
        arguments: [
            ("Europe/Berlin", "2026-10-25", 150, "2026-10-25T00:30:00Z"),  // 02:30 CEST, not 02:30 CET (01:30Z)
            ("Europe/Berlin", "2026-10-25", 120, "2026-10-25T00:00:00Z"),  // 02:00 CEST
            ("Europe/Berlin", "2026-10-25", 180, "2026-10-25T02:00:00Z"),  // 03:00 CET, shown once
            ("Europe/Berlin", "2026-10-25", 119, "2026-10-24T23:59:00Z"),  // 01:59 CEST
            ("America/New_York", "2026-11-01", 90, "2026-11-01T05:30:00Z"),  // 01:30 EDT, not EST (06:30Z)
            ("America/New_York", "2026-11-01", 120, "2026-11-01T07:00:00Z"),  // 02:00 EST, shown once
        ]
    )
    func ambiguous(zone: String, date: String, minute: Int, expected: String) throws {
        let cal = try BusinessCalendar.twentyFourSeven(name: "z", timeZoneIdentifier: zone)
        #expect(cal.instant(on: try day(date), minuteOfDay: minute) == (try at(expected)))
    }

    @Test("minute 1440 is midnight at the start of the next day")
    func minute1440() throws {
        let cal = try office()
        // 06-02 00:00 CEST = 06-01 22:00Z.
        #expect(cal.instant(on: try day("2026-06-01"), minuteOfDay: 1440) == (try at("2026-06-01T22:00:00Z")))
        // 03-29 00:00 is still CET: 03-28 23:00Z.
        #expect(cal.instant(on: try day("2026-03-28"), minuteOfDay: 1440) == (try at("2026-03-28T23:00:00Z")))
        #expect(cal.instant(on: try day("2026-03-28"), minuteOfDay: 1440) == cal.instant(on: try day("2026-03-29"), minuteOfDay: 0))
    }

    @Test("an instant reads back as the local date and minute of day")
    func localReading() throws {
        let cal = try office()
        #expect(cal.localDate(of: try at("2026-03-29T01:00:00Z")) == (try day("2026-03-29")))
        #expect(cal.localMinuteOfDay(of: try at("2026-03-29T01:00:00Z")) == 180)  // 03:00 CEST
        #expect(cal.localMinuteOfDay(of: try at("2026-10-25T00:30:00Z")) == 150)  // 02:30 CEST
        #expect(cal.localMinuteOfDay(of: try at("2026-10-25T01:30:00Z")) == 150)  // 02:30 CET
        #expect(cal.localDate(of: try at("2026-06-01T22:30:00Z")) == (try day("2026-06-02")))  // 00:30 CEST
        #expect(cal.localMinuteOfDay(of: try at("2026-06-01T22:30:00Z")) == 30)
    }
}
