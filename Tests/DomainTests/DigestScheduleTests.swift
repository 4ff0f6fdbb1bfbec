import Domain
import Testing

private let berlin: LocalClock = {
    do { return try LocalClock(timeZoneIdentifier: "Europe/Berlin") } catch { preconditionFailure("Europe/Berlin is in every tz database") }
}()

private func utc(_ seconds: Int64) -> Instant { Instant(secondsSinceEpoch: seconds) }
private func schedule(_ text: String) throws -> DigestSchedule { try DigestSchedule(parsing: text) }

@Suite("Digest schedules: presets, cron, and the wall clock across DST")
struct DigestScheduleTests {
    @Test("daily 02:30 on the spring-forward night runs once, when the clock jumps to 03:00")
    func springForward() throws {
        // Sat 28 Mar 02:30 CET = 01:30Z; Sun 29 Mar 02:30 does not exist, the clock jumps at 03:00 CEST = 01:00Z;
        // Mon 30 Mar 02:30 CEST = 00:30Z.
        let runs = try schedule("daily 02:30").runs(in: utc(1_774_656_000)..<utc(1_774_656_000 + 3 * 86_400), clock: berlin)
        #expect(runs == [utc(1_774_661_400), utc(1_774_746_000), utc(1_774_830_600)])
    }

    @Test("daily 02:30 on the fall-back night runs once, at the first 02:30")
    func fallBack() throws {
        // Sat 24 Oct 02:30 CEST = 00:30Z; Sun 25 Oct 02:30 happens at 00:30Z (CEST) and 01:30Z (CET): only the first;
        // Mon 26 Oct 02:30 CET = 01:30Z.
        let runs = try schedule("daily 02:30").runs(in: utc(1_792_800_000)..<utc(1_792_800_000 + 3 * 86_400), clock: berlin)
        #expect(runs == [utc(1_792_801_800), utc(1_792_888_200), utc(1_792_978_200)])
        // Asking for the next run right after the first 02:30 does not return the second.
        #expect(try schedule("daily 02:30").next(after: utc(1_792_888_200), clock: berlin) == utc(1_792_978_200))
    }

    @Test("four cron times inside the skipped hour run once together; the day before they run four times")
    func cronInTheGap() throws {
        let quarterHours = try schedule("*/15 2 * * *")
        // Sat 28 Mar: 02:00, 02:15, 02:30, 02:45 CET = 01:00Z ... 01:45Z.
        #expect(quarterHours.runs(in: utc(1_774_656_000)..<utc(1_774_656_000 + 86_400), clock: berlin)
            == [0, 15, 30, 45].map { utc(1_774_659_600 + $0 * 60) })
        // Sun 29 Mar: all four fall into the gap and resolve to 03:00 CEST = 01:00Z.
        #expect(quarterHours.runs(in: utc(1_774_742_400)..<utc(1_774_742_400 + 86_400), clock: berlin) == [utc(1_774_746_000)])
    }

    @Test("every hour at :30 on the 25-hour fall-back day runs 24 times, 02:30 once")
    func hourlyOnFallBack() throws {
        // Local day Sun 25 Oct runs from Sat 22:00Z to Sun 23:00Z (25 h).
        let runs = try schedule("30 * * * *").runs(in: utc(1_792_879_200)..<utc(1_792_969_200), clock: berlin)
        #expect(runs.count == 24)
        #expect(Set(runs).count == 24)
        #expect(runs.contains(utc(1_792_888_200)) && !runs.contains(utc(1_792_891_800)))
    }

    @Test("monthly 31 runs on the last day of shorter months, including February")
    func monthEnds() throws {
        // 08:00 Berlin: CET (UTC+1) until 29 March, CEST (UTC+2) after.
        let runs = try schedule("monthly 31 08:00").runs(in: utc(1_767_225_600)..<utc(1_777_593_600), clock: berlin)
        #expect(runs == [utc(1_769_842_800), utc(1_772_262_000), utc(1_774_936_800), utc(1_777_528_800)])
    }

    @Test("29 February: cron waits for the next leap year; monthly 29 falls back to the 28th in 2027")
    func leapDay() throws {
        #expect(try schedule("0 8 29 2 *").next(after: utc(1_772_323_200), clock: berlin) == utc(1_835_420_400))
        let february2027 = utc(1_801_440_000)..<utc(1_803_859_200)  // 1 Feb .. 1 Mar 2027, UTC
        #expect(try schedule("monthly 29 08:00").runs(in: february2027, clock: berlin) == [utc(1_803_798_000)])
    }

    @Test("three days down: the three daily runs missed are found, each once, in order, and the latest of them")
    func catchUp() throws {
        // Last ran Mon 23 Nov 08:00 CET (07:00Z); back up Thu 26 Nov 13:00 CET (12:00Z), 3 days and 5 hours
        // later: Tue, Wed and Thu 08:00 were missed.
        let lastRun: Int64 = 1_795_417_200
        let backUp = lastRun + 3 * 86_400 + 5 * 3_600
        let missed = try schedule("daily 08:00").runs(in: utc(lastRun + 1)..<utc(backUp), clock: berlin)
        #expect(missed == [utc(lastRun + 86_400), utc(lastRun + 2 * 86_400), utc(lastRun + 3 * 86_400)])
        #expect(try schedule("daily 08:00").latest(atOrBefore: utc(backUp), clock: berlin) == utc(lastRun + 3 * 86_400))
    }

    @Test("weekly MON 08:00 from a Wednesday is next Monday; the bare preset means the same")
    func weekly() throws {
        #expect(try schedule("weekly MON 08:00").next(after: utc(1_795_608_000), clock: berlin) == utc(1_796_022_000))
        #expect(try schedule("weekly").next(after: utc(1_795_608_000), clock: berlin) == utc(1_796_022_000))
        #expect(try schedule("weekly monday 08:00").next(after: utc(1_795_608_000), clock: berlin) == utc(1_796_022_000))
    }

    @Test("both day fields restricted: a day matching either runs (as in cron)")
    func eitherDay() throws {
        // From Wed 25 Nov: Mon 30 Nov is a Monday, Tue 1 Dec the 1st.
        let runs = try schedule("0 8 1 * MON").runs(in: utc(1_795_608_000)..<utc(1_795_608_000 + 7 * 86_400), clock: berlin)
        #expect(runs == [utc(1_796_022_000), utc(1_796_022_000 + 86_400)])
    }

    @Test("each run covers the day, week or month its schedule suggests", arguments: [
        ("daily 07:00", DigestSchedule.PeriodKind.day), ("weekly FRI 16:00", .week), ("monthly 1 08:00", .month),
        ("0 8 * * 1", .week), ("0 8 1 * *", .month), ("0 8 * * MON-FRI", .day), ("0 7,19 * * *", .day),
    ])
    func periods(text: String, period: DigestSchedule.PeriodKind) throws {
        #expect(try schedule(text).period == period)
    }

    @Test("a bad schedule is refused with the reason", arguments: [
        ("", "a preset such as 'weekly MON 08:00' or a cron expression such as '0 8 * * 1'"),
        ("whenever", "a preset (daily, weekly, monthly) or five cron fields 'minute hour day month weekday', got 1 field"),
        ("daily 25:00", "a time of day HH:MM from 00:00 to 23:59, got '25:00'"),
        ("weekly FUNDAY 08:00", "a weekday (MON, TUE, WED, THU, FRI, SAT or SUN) after 'weekly', got 'FUNDAY'"),
        ("monthly 32 08:00", "a day of the month from 1 to 31 after 'monthly', got '32'"),
        ("0 8 * *", "a preset (daily, weekly, monthly) or five cron fields 'minute hour day month weekday', got 4 fields"),
        ("61 8 * * *", "a number from 0 to 59 in the minute field '61'"),
        ("*/0 8 * * *", "a step from 1 to 59 after '/' in the minute field '*/0'"),
        ("0 8 * * FUN", "a number from 0 to 7 or a name in the day of week field 'FUN'"),
        ("0 8 5-1 * *", "a range whose start is not after its end in the day of month field '5-1'"),
        ("0 8 30 2 *", "a day of month that exists in the chosen months"),
    ])
    func rejected(text: String, expected: String) {
        #expect(throws: DomainError.invalidField(field: "schedule", value: text, expected: expected)) { try DigestSchedule(parsing: text) }
    }

    @Test("names, ranges, steps and lists combine as in cron")
    func cronSyntax() throws {
        let text = "0 8 * JAN-MAR,DEC MON-FRI"
        let parsed = try schedule(text)
        #expect(parsed.text == text)
        // Wed 25 Nov 2026 12:00Z: November is excluded, so the next run is Tue 1 Dec 08:00 CET.
        #expect(parsed.next(after: utc(1_795_608_000), clock: berlin) == utc(1_796_108_400))
    }
}
