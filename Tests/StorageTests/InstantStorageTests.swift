import Domain
import Storage
import Testing

/// Instants worked out by hand: microseconds since 1970-01-01T00:00:00Z and their ISO 8601 form.
private let instants: [(microseconds: Int64, iso: String)] = [
    (-62_135_596_800_000_000, "0001-01-01T00:00:00.000000Z"),  // 719,162 days before the epoch
    (-2_208_988_799_999_999, "1900-01-01T00:00:00.000001Z"),  // 25,567 days before the epoch, plus 1 µs
    (-1, "1969-12-31T23:59:59.999999Z"),
    (0, "1970-01-01T00:00:00.000000Z"),
    (1, "1970-01-01T00:00:00.000001Z"),
    (1_772_442_000_123_457, "2026-03-02T09:00:00.123457Z"),
    (9_223_372_036_854_775, "2262-04-11T23:47:16.854775Z"),  // Int64.max nanoseconds, truncated to µs
    (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
]

@Suite("Instants in storage")
struct InstantStorageTests {
    @Test("the hand-computed instants and their ISO 8601 forms agree")
    func literalsAgree() {
        for (microseconds, iso) in instants {
            #expect(Instant(microsecondsSinceEpoch: microseconds).iso8601 == iso)
            #expect(Instant(iso8601: iso)?.microsecondsSinceEpoch == microseconds)
        }
    }

    @Test("instants round-trip to the microsecond, before 1970 and far in the future", arguments: TestEngine.available)
    func roundTrip(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            for (microseconds, iso) in instants {
                let instant = Instant(microsecondsSinceEpoch: microseconds)
                var incident = try await store.openIncident(iso, at: instant)
                let id = try #require(incident.id)
                try incident.resolve(at: after(instant, microseconds: 1), by: "bob")
                _ = try await store.incidents.save(incident)

                let read = try await store.incidents.get(id)
                #expect(read.openedAt.microsecondsSinceEpoch == microseconds)
                #expect(read.openedAt.iso8601 == iso)
                #expect(read.events.map(\.at.microsecondsSinceEpoch) == [microseconds, microseconds + 1, microseconds + 1])
                #expect(read.resolvedAt == after(instant, microseconds: 1))

                // The exact instant is also what the queries compare: a one-microsecond period finds it.
                let exactly = try await store.incidents.list(RecordFilter(openedIn: instant..<after(instant, microseconds: 1)))
                #expect(exactly.map(\.title) == [iso])
                #expect(try await store.incidents.resolved(in: after(instant, microseconds: 1)..<after(instant, microseconds: 2)).map(\.title) == [iso])
            }
            #expect(try await store.incidents.list().count == instants.count)
        }
    }

    @Test("windows, freezes and votes spanning from before 1970 to 9999 round-trip exactly", arguments: TestEngine.available)
    func widestSpan(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let first = Instant(microsecondsSinceEpoch: -1)  // 1969-12-31T23:59:59.999999Z
            let last = Instant(microsecondsSinceEpoch: 253_402_300_799_999_999)  // 9999-12-31T23:59:59.999999Z
            let window = try ChangeWindow(start: first, end: last)

            var change = try Change(title: "Forever", type: .normal, risk: .high, window: window, approvers: ["carol"], at: first, by: "alice")
            try change.submit(at: first, by: "alice")
            try change.vote(approver: "carol", approve: true, comment: "1900", at: Instant(microsecondsSinceEpoch: -2_208_988_799_999_999))
            let id = try #require(try await store.changes.create(change).id)
            let read = try await store.changes.get(id)
            #expect(read.window == window)
            #expect(read.requestedAt == first)
            #expect(read.approval.votes.map(\.at.microsecondsSinceEpoch) == [-2_208_988_799_999_999])
            #expect(try await store.changes.windows(overlapping: justBefore(last)..<last).map(\.id) == [id])
            #expect(try await store.changes.windows(overlapping: last..<after(last, microseconds: 1)).isEmpty)

            let freeze = try await store.freezes.create(try FreezeWindow(name: "All of time", start: first, end: last))
            #expect(try await store.freezes.overlapping(first..<after(first, microseconds: 1)) == [freeze])
            #expect(try await store.freezes.overlapping(justBefore(first)..<first).isEmpty)
        }
    }
}
