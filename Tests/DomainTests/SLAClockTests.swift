import Foundation
import Testing
@testable import Domain

// An 8 business-hour target on Berlin office hours (Mon-Fri 09:00-17:00), warning at 75 % = 6 h.
// The clock starts Mon 2026-06-01 09:00 CEST = 07:00Z.

private func at(_ text: String) throws -> Instant { try #require(Instant(iso8601: text)) }

private func officeCalendar() throws -> BusinessCalendar {
    let hours = try WorkingInterval(parsing: "09:00-17:00")
    return try BusinessCalendar(
        name: "office", timeZoneIdentifier: "Europe/Berlin",
        weeklyHours: [.monday: [hours], .tuesday: [hours], .wednesday: [hours], .thursday: [hours], .friday: [hours]]
    )
}

private func eightHourClock(threshold: Double = 0.75) throws -> SLAClock {
    try SLAClock(calendar: try officeCalendar(), target: .hours(8), warningThreshold: threshold)
}

@Suite("SLAClock")
struct SLAClockTests {
    @Test("statuses are spelled for storage and display")
    func rawValues() {
        #expect(SLAStatus.allCases.map(\.rawValue) == ["within-target", "warning", "breached"])
    }

    @Test("the clock is within target below 75 % of the target")
    func withinTarget() throws {
        let clock = try eightHourClock()
        // 09:00 .. 14:59 CEST = 5 h 59 min < 6 h.
        #expect(clock.status(start: try at("2026-06-01T07:00:00Z"), at: try at("2026-06-01T12:59:00Z")) == .withinTarget)
        // 09:00 .. 13:00 CEST = 4 h elapsed, 8 - 4 = 4 h left.
        #expect(clock.remaining(start: try at("2026-06-01T07:00:00Z"), at: try at("2026-06-01T11:00:00Z")) == .hours(4))
    }

    @Test("the clock warns at exactly 75 % of the target")
    func warningAtThreshold() throws {
        let clock = try eightHourClock()
        // 09:00 .. 15:00 CEST (13:00Z) = 6 h = 0.75 * 8 h.
        #expect(clock.status(start: try at("2026-06-01T07:00:00Z"), at: try at("2026-06-01T13:00:00Z")) == .warning)
        #expect(try clock.warningInstant(from: try at("2026-06-01T07:00:00Z")) == (try at("2026-06-01T13:00:00Z")))
    }

    @Test("meeting the target exactly is not a breach, even while the desk is closed overnight")
    func metExactly() throws {
        let clock = try eightHourClock()
        let start = try at("2026-06-01T07:00:00Z")
        // 09:00 .. 17:00 CEST = 8 h; the deadline is Mon 17:00 CEST = 15:00Z.
        #expect(try clock.deadline(from: start) == (try at("2026-06-01T15:00:00Z")))
        for now in [try at("2026-06-01T15:00:00Z"), try at("2026-06-02T07:00:00Z")] {  // 17:00 Mon, 09:00 Tue
            #expect(clock.elapsed(from: start, to: now) == .hours(8))
            #expect(clock.status(start: start, at: now) == .warning)
            #expect(clock.overrun(start: start, at: now) == .zero)
            #expect(clock.remaining(start: start, at: now) == .zero)
        }
    }

    @Test("the clock is breached just past the target")
    func breachedJustPast() throws {
        let clock = try eightHourClock()
        let start = try at("2026-06-01T07:00:00Z")
        // Tue 09:00:00.000001 CEST: 8 h Monday + 1 µs Tuesday.
        let justPast = try at("2026-06-02T07:00:00.000001Z")
        #expect(clock.status(start: start, at: justPast) == .breached)
        #expect(clock.overrun(start: start, at: justPast) == .microseconds(1))
        // Tue 09:30 CEST: 30 min over.
        #expect(clock.overrun(start: start, at: try at("2026-06-02T07:30:00Z")) == .minutes(30))
        #expect(clock.remaining(start: start, at: try at("2026-06-02T07:30:00Z")) == .zero)
    }

    @Test("time on hold moves the deadline and lowers the elapsed time")
    func onHold() throws {
        let clock = try eightHourClock()
        let start = try at("2026-06-01T07:00:00Z")
        // On hold 10:00-11:00 CEST (08:00Z-09:00Z).
        let hold = try at("2026-06-01T08:00:00Z")..<(try at("2026-06-01T09:00:00Z"))
        // 7 h Monday + 1 h Tuesday -> Tue 10:00 CEST = 08:00Z.
        #expect(try clock.deadline(from: start, pauses: [hold]) == (try at("2026-06-02T08:00:00Z")))
        // At Mon 17:00 CEST: 8 h - 1 h = 7 h = 87.5 % -> warning, 1 h remaining.
        #expect(clock.status(start: start, at: try at("2026-06-01T15:00:00Z"), pauses: [hold]) == .warning)
        #expect(clock.remaining(start: start, at: try at("2026-06-01T15:00:00Z"), pauses: [hold]) == .hours(1))
    }

    @Test("a stopped clock keeps the status it had when it stopped")
    func stoppedClock() throws {
        let clock = try eightHourClock()
        let start = try at("2026-06-01T07:00:00Z")
        let resolvedAt = try at("2026-06-01T10:00:00Z")  // 12:00 CEST: 3 h of 8
        #expect(clock.status(start: start, at: resolvedAt) == .withinTarget)
        #expect(clock.status(forElapsed: clock.elapsed(from: start, to: resolvedAt)) == .withinTarget)
    }

    @Test("with a threshold of 1 the warning starts only when the target is used up")
    func thresholdOne() throws {
        let clock = try eightHourClock(threshold: 1)
        #expect(clock.status(forElapsed: .hours(8) - .microseconds(1)) == .withinTarget)
        #expect(clock.status(forElapsed: .hours(8)) == .warning)
        #expect(clock.status(forElapsed: .hours(8) + .microseconds(1)) == .breached)
    }

    @Test("a threshold that is not a fraction in (0, 1] is refused", arguments: [0, 1.5, -0.25, Double.nan])
    func badThreshold(threshold: Double) throws {
        let calendar = try officeCalendar()
        #expect(throws: DomainError.invalidField(
            field: "warningThreshold", value: "\(threshold)", expected: "a fraction above 0 and at most 1"
        )) {
            try SLAClock(calendar: calendar, target: .hours(8), warningThreshold: threshold)
        }
    }

    @Test("a target that is not positive is refused", arguments: [Duration.zero, .hours(-1)])
    func badTarget(target: Duration) throws {
        let calendar = try officeCalendar()
        #expect(throws: DomainError.invalidField(field: "target", value: "\(target)", expected: "a duration above zero")) {
            try SLAClock(calendar: calendar, target: target)
        }
    }
}
