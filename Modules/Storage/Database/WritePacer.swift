/// Pauses a long run of write transactions on SQLite now and then, so other processes get to write.
///
/// SQLite has one writer at a time and no queue. A process waiting for the write lock (the daemon
/// confirming a subscription, delivering mail) sleeps in its busy handler and polls again, at most
/// 100 ms apart, while a file import that begins its next transaction the moment it commits the last
/// wins the lock back nearly every time: single waits of 1.3-5.8 s were measured beside a 60,000-row
/// import. After each `work` of writing the pacer sleeps for `pause`, longer than that poll, which
/// costs the import about a tenth of its speed. On PostgreSQL, whose writers do not exclude each
/// other, it never pauses.
public struct WritePacer: Sendable {
    public static let defaultWork = Duration.seconds(1)
    public static let defaultPause = Duration.milliseconds(120)

    private let enabled: Bool
    private let work: Duration
    private let pause: Duration
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private var lastPause: Duration

    /// `elapsed` is a monotonic time since any fixed start; `sleep` waits. Tests pass their own.
    public init(
        engine: Engine, work: Duration = defaultWork, pause: Duration = defaultPause,
        elapsed: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.enabled = engine == .sqlite
        self.work = work
        self.pause = pause
        self.elapsed = elapsed
        self.sleep = sleep
        self.lastPause = elapsed()
    }

    /// The real clock: `ContinuousClock`, and `Task.sleep`.
    public init(engine: Engine) {
        let start = ContinuousClock.now
        self.init(engine: engine, elapsed: { ContinuousClock.now - start }, sleep: { try await Task.sleep(for: $0) })
    }

    /// Call after each commit: sleeps for the pause when `work` has passed since the last one.
    public mutating func afterCommit() async throws {
        guard enabled, elapsed() - lastPause >= work else { return }
        try await sleep(pause)
        lastPause = elapsed()
    }
}
