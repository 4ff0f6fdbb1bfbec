import Domain
import SQLKit
import Storage
import Testing

@Suite("Business calendars and SLAs in storage")
struct CalendarAndSLAStorageTests {
    private static func interval(_ text: String) throws -> WorkingInterval { try WorkingInterval(parsing: text) }

    private static func date(_ year: Int, _ month: Int, _ day: Int) throws -> CivilDate {
        try #require(CivilDate(year: year, month: month, day: day))
    }

    /// Split office days, a short Friday, a Saturday morning, three holidays given out of order.
    private static func berlinOffice() throws -> BusinessCalendar {
        let split = [try interval("13:00-17:30"), try interval("08:00-12:00")]
        return try BusinessCalendar(
            name: "Berlin office", timeZoneIdentifier: "Europe/Berlin",
            weeklyHours: [
                .monday: split, .tuesday: split, .wednesday: split, .thursday: split,
                .friday: [try interval("08:00-14:00")], .saturday: [try interval("09:00-12:00")],
            ],
            holidays: [
                Holiday(date: try date(2026, 12, 25), name: "Christmas Day"),
                Holiday(date: try date(2026, 4, 3), name: "Good Friday"),
                Holiday(date: try date(2026, 12, 24), name: "Christmas Eve"),
            ]
        )
    }

    @Test("a calendar with several intervals a day and several holidays round-trips", arguments: TestEngine.available)
    func calendarRoundTrip(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let calendar = try Self.berlinOffice()
            let stored = try await store.calendars.create(calendar)
            let id = try #require(stored.id)
            var expected = calendar
            expected.id = id
            #expect(stored == expected)
            #expect(try await store.calendars.get(id) == expected)
            #expect(try await store.calendars.named("Berlin office") == expected)
            #expect(try await store.calendars.named("Munich office") == nil)

            let read = try await store.calendars.get(id)
            #expect(read.name == "Berlin office")
            #expect(read.timeZoneIdentifier == "Europe/Berlin")
            #expect(read.weeklyHours[.monday]?.map(\.description) == ["08:00-12:00", "13:00-17:30"])
            #expect(read.weeklyHours[.thursday]?.map(\.description) == ["08:00-12:00", "13:00-17:30"])
            #expect(read.weeklyHours[.friday]?.map(\.description) == ["08:00-14:00"])
            #expect(read.weeklyHours[.saturday]?.map(\.description) == ["09:00-12:00"])
            #expect(read.weeklyHours[.sunday] == nil)
            #expect(read.holidays.map(\.date.description) == ["2026-04-03", "2026-12-24", "2026-12-25"])
            #expect(read.holidays.map(\.name) == ["Good Friday", "Christmas Eve", "Christmas Day"])
            // The calendar still computes working time after the round trip: Monday 2026-03-02, 08:00 CET = 07:00Z.
            #expect(read.workingIntervals(on: try Self.date(2026, 3, 2)).first?.lowerBound == Instant(secondsSinceEpoch: 1_772_434_800))
            #expect(read.workingIntervals(on: try Self.date(2026, 4, 3)) == [])

            // The stored text is the readable form the schema documents.
            let row = try await store.database.withSession { db in
                try #require(try await db.raw("SELECT weekly_hours, holidays FROM calendars WHERE id = \(bind: id)").first())
            }
            #expect(try row.decode(column: "weekly_hours", as: String.self) == #"{"mon":["08:00-12:00","13:00-17:30"],"tue":["08:00-12:00","13:00-17:30"],"wed":["08:00-12:00","13:00-17:30"],"thu":["08:00-12:00","13:00-17:30"],"fri":["08:00-14:00"],"sat":["09:00-12:00"]}"#)
            #expect(try row.decode(column: "holidays", as: String.self) == #"[{"date":"2026-04-03","name":"Good Friday"},{"date":"2026-12-24","name":"Christmas Eve"},{"date":"2026-12-25","name":"Christmas Day"}]"#)

            let always = try await store.calendars.create(try .twentyFourSeven(name: "24x7", timeZoneIdentifier: "UTC"))
            #expect(always.weeklyHours.count == 7)
            #expect(always.weeklyHours.values.allSatisfy { $0 == [.wholeDay] })
            #expect(try await store.calendars.list().map(\.name) == ["Berlin office", "24x7"])
        }
    }

    @Test("an SLA keeps its targets per priority and its warning threshold", arguments: TestEngine.available)
    func slaRoundTrip(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let calendarID = try await store.makeCalendar()
            let targets: [Priority: SLATarget] = [
                .p1: try SLATarget(response: .minutes(15), resolution: .hours(4)),
                .p2: try SLATarget(response: .minutes(30), resolution: .hours(8)),
                .p3: try SLATarget(response: .hours(4), resolution: .days(3)),
                .p4: try SLATarget(response: .days(1), resolution: .days(10)),
            ]
            let gold = try ServiceLevelAgreement(name: "Gold", calendarID: calendarID, targets: targets, warningThreshold: 0.8)
            let stored = try await store.slas.create(gold)
            let id = try #require(stored.id)
            var expected = gold
            expected.id = id
            #expect(stored == expected)

            let read = try await store.slas.get(id)
            #expect(read == expected)
            #expect(read.name == "Gold")
            #expect(read.calendarID == calendarID)
            #expect(read.warningThreshold == 0.8)
            #expect(read.targets[.p1] == (try SLATarget(response: .seconds(900), resolution: .seconds(14_400))))
            #expect(read.targets[.p3] == (try SLATarget(response: .seconds(14_400), resolution: .seconds(259_200))))
            #expect(read.targets[.p4]?.resolution == .seconds(864_000))
            #expect(try await store.slas.named("Gold") == expected)
            #expect(try await store.slas.named("Silver") == nil)

            // An SLA with targets for some priorities only.
            let bronze = try await store.slas.create(
                try ServiceLevelAgreement(name: "Bronze", calendarID: calendarID, targets: [.p3: try SLATarget(response: .hours(8), resolution: .days(5))])
            )
            #expect(bronze.targets.keys.sorted() == [.p3])
            #expect(bronze.warningThreshold == 0.75)
            #expect(try await store.slas.list().map(\.name) == ["Gold", "Bronze"])
            #expect(try await store.database.rowCount("sla_targets") == 5)
        }
    }
}
