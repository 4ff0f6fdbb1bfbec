import Domain
import Foundation
import Logging
import Metrics
import Scheduling
import ServiceLifecycle
import Storage
import Synchronization

/// The schedule loop: every tick, record the digest runs that are due and send them. On graceful
/// shutdown it stops between batches (a fan-out in progress resumes from its cursor next start).
struct ScheduleService: ServiceLifecycle.Service {
    let runner: DigestRunner
    let interval: Duration
    let logger: Logger

    private static let outboxDepth = Gauge(label: "itsm_outbox_depth")
    private static let outboxOldestAge = Gauge(label: "itsm_outbox_oldest_age_seconds")

    func run() async throws {
        let stopping = Mutex(false)
        await withGracefulShutdownHandler {
            // Cancelled when a stop outlasts its limit: then no further pass starts either.
            while !stopping.withLock({ $0 }), !Task.isCancelled {
                do {
                    try await runner.tick(shouldStop: { stopping.withLock { $0 } })
                    try await recordOutboxGauges()
                } catch is CancellationError where Task.isCancelled {
                    break  // the group is stopping: not a failed pass
                } catch {
                    logger.error("digest schedule pass failed; the next pass tries again", metadata: ["error": .string(DatabaseErrorText.describe(error))])
                }
                guard !stopping.withLock({ $0 }), !Task.isCancelled else { break }
                // Only the pause is cut short by a shutdown, never a pass.
                await cancelWhenGracefulShutdown { try? await Task.sleep(for: interval) }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
        }
    }

    private func recordOutboxGauges() async throws {
        let summary = try await runner.store.outbox.summary()
        Self.outboxDepth.record((summary.counts[.queued] ?? 0) + (summary.counts[.sending] ?? 0))
        let age = summary.oldestWaiting.map { max(0, (runner.now() - $0).secondsValue) } ?? 0
        Self.outboxOldestAge.record(age)
    }
}
