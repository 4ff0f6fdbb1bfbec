import Foundation
import Logging

/// SMTP delivery over libcurl: N connections, each a dedicated thread with its own reused handle.
///
/// libcurl's blocking calls run only on these threads, never on the Swift concurrency pool or an
/// event loop. `send` suspends the caller until a worker has finished the transfer.
public final class SMTPTransport: MailTransport {
    private let queue: JobQueue
    private let finished: DispatchGroup
    public let settings: SMTPSettings

    /// Starts the worker threads. Call `Libcurl.initialise()` once before (at process start).
    public init(settings: SMTPSettings, logger: Logger) throws(LibcurlError) {
        try Libcurl.initialise()
        self.settings = settings
        self.queue = JobQueue()
        self.finished = DispatchGroup()
        for index in 0..<settings.connections {
            let queue = self.queue
            let finished = self.finished
            finished.enter()
            let worker = Thread {
                var logger = logger
                logger[metadataKey: "smtp_worker"] = "\(index)"
                // Created here, so the handle is owned by this thread alone.
                let connection: CurlSMTPConnection?
                do {
                    connection = try CurlSMTPConnection(settings: settings)
                } catch {
                    logger.error("cannot create a libcurl handle: \(error)")
                    connection = nil
                }
                while let job = queue.next() {
                    let result = connection?.send(job.envelope)
                        ?? .failed(DeliveryFailure(kind: .transient, text: "no libcurl handle on worker \(index)"))
                    if case .failed(let failure) = result {
                        logger.debug("smtp send failed", metadata: ["message_id": .string(job.envelope.messageID), "reason": .string(failure.description)])
                    }
                    job.complete(result)
                }
                finished.leave()
            }
            worker.name = "smtp-\(index)"
            worker.start()
        }
    }

    public func send(_ envelope: Envelope) async -> DeliveryResult {
        await withCheckedContinuation { continuation in
            let job = Job(envelope: envelope) { continuation.resume(returning: $0) }
            if !queue.add([job]) { job.complete(Self.shuttingDown) }
        }
    }

    /// Queues the whole batch at once and resumes the caller once, when the last one is done:
    /// no hop back to the concurrency pool per message.
    public func send(_ envelopes: [Envelope]) async -> [DeliveryResult] {
        guard !envelopes.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let collector = BatchResults(count: envelopes.count) { continuation.resume(returning: $0) }
            let jobs = envelopes.enumerated().map { index, envelope in
                Job(envelope: envelope) { collector.set(index, $0) }
            }
            if !queue.add(jobs) { jobs.forEach { $0.complete(Self.shuttingDown) } }
        }
    }

    private static let shuttingDown = DeliveryResult.failed(DeliveryFailure(kind: .transient, text: "the SMTP transport is shutting down"))

    /// Stops taking jobs; the workers finish what is queued and in flight, then exit.
    public func shutdown() async {
        queue.close()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            finished.notify(queue: .global()) { continuation.resume() }
        }
    }
}

private struct Job: Sendable {
    let envelope: Envelope
    /// Called exactly once, on the worker thread, with the transfer's result.
    let complete: @Sendable (DeliveryResult) -> Void
}

/// Collects a batch's results and hands them over once all have arrived.
// @unchecked: `results` and `remaining` are only touched while holding `lock`.
private final class BatchResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [DeliveryResult?]
    private var remaining: Int
    private let done: @Sendable ([DeliveryResult]) -> Void

    init(count: Int, done: @escaping @Sendable ([DeliveryResult]) -> Void) {
        self.results = Array(repeating: nil, count: count)
        self.remaining = count
        self.done = done
    }

    func set(_ index: Int, _ result: DeliveryResult) {
        lock.lock()
        results[index] = result
        remaining -= 1
        let finished = remaining == 0 ? results.map { $0 ?? .failed(DeliveryFailure(kind: .transient, text: "no result")) } : nil
        lock.unlock()
        if let finished { done(finished) }
    }
}

/// A FIFO of jobs that worker threads block on.
// @unchecked: every access to `jobs` and `closed` happens while holding `condition`'s lock.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false

    /// Adds jobs; false (and none added) once the queue is closed.
    func add(_ new: [Job]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(contentsOf: new)
        if new.count == 1 { condition.signal() } else { condition.broadcast() }
        return true
    }

    /// The next job, waiting while none is queued; nil when closed and drained.
    func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
