import Domain
import Logging
import Storage

/// Runs delivery rounds until cancelled: back to back while there is work, pausing when idle.
public struct OutboxWorker: Sendable {
    public let delivery: OutboxDelivery
    /// How long to pause when a round found nothing due.
    public let idlePause: Duration
    /// Waits; production passes `Task.sleep`, tests a clock they control.
    public let pause: @Sendable (Duration) async throws -> Void

    public init(delivery: OutboxDelivery, idlePause: Duration = .seconds(1), pause: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.delivery = delivery
        self.idlePause = idlePause
        self.pause = pause
    }

    /// Delivers until the task is cancelled, with `lanes` rounds in flight at once so that claiming
    /// and recording one batch overlaps with sending another.
    public func run(lanes: Int = 2) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, lanes) { group.addTask { await runLane() } }
        }
    }

    /// One loop of rounds. A database error pauses and tries again, never ends the loop.
    func runLane() async {
        var consecutiveErrors = 0
        while !Task.isCancelled {
            do {
                // A claimed round runs to its end even when the worker is cancelled (a shutdown): its
                // outcomes must be recorded, or the mail it sent stays claimed and goes out again
                // once the lease ends. The unstructured task does not inherit the cancellation.
                let round = try await Task { try await delivery.deliverDueMessages() }.value
                DeliveryMetrics.record(round)
                consecutiveErrors = 0
                if round.claimed == 0 { try await pause(idlePause) }
            } catch is CancellationError {
                return
            } catch {
                consecutiveErrors += 1
                delivery.logger.error("outbox delivery round failed", metadata: ["error": .string(DatabaseErrorText.describe(error)), "consecutive": .stringConvertible(consecutiveErrors)])
                // Back off up to a minute while the database is unreachable.
                let wait = Duration.seconds(Int64(min(60, 1 << min(consecutiveErrors, 6))))
                do { try await pause(wait) } catch { return }
            }
        }
    }
}
