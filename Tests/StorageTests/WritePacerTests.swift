import Storage
import Synchronization
import Testing

/// `WritePacer` on a clock the test moves: a 120 ms pause after each second of writing on SQLite,
/// never on PostgreSQL.
@Suite("Storage: a long run of SQLite writes pauses so other writers get in")
struct WritePacerTests {
    /// A clock moved by hand; a sleep records its duration and moves the clock by it.
    final class ManualTime: Sendable {
        private let state = Mutex((now: Duration.zero, sleeps: [Duration]()))
        var now: Duration { state.withLock { $0.now } }
        var sleeps: [Duration] { state.withLock { $0.sleeps } }
        func advance(_ by: Duration) { state.withLock { $0.now += by } }
        func sleep(_ duration: Duration) { state.withLock { $0.now += duration; $0.sleeps.append(duration) } }
    }

    static func pacer(_ engine: Engine, _ time: ManualTime) -> WritePacer {
        WritePacer(engine: engine, elapsed: { time.now }, sleep: { time.sleep($0) })
    }

    @Test("SQLite: commits 400 ms apart pause 120 ms after the third (1.2 s), then after the sixth (1.2 s past the pause's end)")
    func sqlitePausesAfterEachSecond() async throws {
        let time = ManualTime()
        var pacer = Self.pacer(.sqlite, time)
        var pausedAfter: [Int] = []
        for commit in 1...7 {
            time.advance(.milliseconds(400))
            let before = time.sleeps.count
            try await pacer.afterCommit()
            if time.sleeps.count > before { pausedAfter.append(commit) }
        }
        #expect(pausedAfter == [3, 6])
        #expect(time.sleeps == [.milliseconds(120), .milliseconds(120)])
        // 7 x 400 ms of writing and two pauses.
        #expect(time.now == .milliseconds(3_040))
    }

    @Test("SQLite: a commit just under a second after the last pause does not pause; one at a second does")
    func sqliteBoundary() async throws {
        let time = ManualTime()
        var pacer = Self.pacer(.sqlite, time)
        time.advance(.milliseconds(999))
        try await pacer.afterCommit()
        #expect(time.sleeps.isEmpty)
        time.advance(.milliseconds(1))
        try await pacer.afterCommit()
        #expect(time.sleeps == [.milliseconds(120)])
    }

    @Test("PostgreSQL: ten seconds of commits never pause")
    func postgresNeverPauses() async throws {
        let time = ManualTime()
        var pacer = Self.pacer(.postgres, time)
        for _ in 1...10 {
            time.advance(.seconds(1))
            try await pacer.afterCommit()
        }
        #expect(time.sleeps.isEmpty)
    }
}
