import Foundation
import Logging
import Synchronization

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
        // Every handle is made before any thread starts, so a failure stops start-up with the error.
        var connections: [Handover<CurlSMTPConnection>] = []
        for _ in 0..<settings.connections { connections.append(Handover(try CurlSMTPConnection(settings: settings))) }
        for (index, handover) in connections.enumerated() {
            let queue = self.queue
            let finished = self.finished
            finished.enter()
            let worker = Thread {
                var logger = logger
                logger[metadataKey: "smtp_worker"] = "\(index)"
                let connection = handover.value
                while let job = queue.next() {
                    let result = DeliveryMetrics.timeTransaction { connection.send(job.envelope) }
                    if case .failed(let failure) = result {
                        logger.debug("smtp send failed", metadata: [
                            "message_id": .string(job.envelope.messageID),
                            "reason": .string(LogRedaction.maskingAddresses(in: failure.description)),
                        ])
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

    /// Queues the whole batch; each connection's thread hands a delivery to `record` and waits
    /// until it returns before taking its next message, so what a crash can leave delivered but
    /// unrecorded is one message per connection. Failures are handed over without waiting.
    public func send(_ envelopes: [Envelope], recording record: @escaping @Sendable (Int, DeliveryResult) async -> Void) async {
        guard !envelopes.isEmpty else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let countdown = Countdown(envelopes.count) { continuation.resume() }
            let jobs = envelopes.enumerated().map { index, envelope in
                Job(envelope: envelope) { result in
                    guard case .delivered = result else {
                        // Not worth holding the connection for; may run on the thread that stops the transport.
                        Task {
                            await record(index, result)
                            countdown.finishOne()
                        }
                        return
                    }
                    // Only on a connection's own thread (deliveries come from no other place): it
                    // blocks that thread, never one of the concurrency pool.
                    let recorded = DispatchSemaphore(value: 0)
                    Task {
                        await record(index, result)
                        recorded.signal()
                    }
                    recorded.wait()
                    countdown.finishOne()
                }
            }
            if !queue.add(jobs) { jobs.forEach { $0.complete(Self.shuttingDown) } }
        }
    }

    private static let shuttingDown = DeliveryResult.failed(DeliveryFailure(kind: .transient, text: "the SMTP transport is shutting down"))

    public func stopAccepting() {
        queue.close(failingPending: Self.shuttingDown)
    }

    /// Stops taking jobs; the workers finish what is queued and in flight, then exit.
    public func shutdown() async {
        queue.close(failingPending: nil)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            finished.notify(queue: .global()) { continuation.resume() }
        }
    }
}

/// Hands a value to the one thread that uses it from then on.
// @unchecked: written once, before the receiving thread starts; afterwards only that thread reads it,
// and the creating thread drops its reference (the array of handovers goes out of scope in init).
private final class Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
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

/// Calls `done` once `finishOne` has been called `count` times.
private final class Countdown: Sendable {
    private let remaining: Mutex<Int>
    private let done: @Sendable () -> Void

    init(_ count: Int, done: @escaping @Sendable () -> Void) {
        self.remaining = Mutex(count)
        self.done = done
    }

    func finishOne() {
        let last = remaining.withLock { value -> Bool in
            value -= 1
            return value == 0
        }
        if last { done() }
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

    /// Closes the queue. With `failingPending`, jobs not yet started complete with that result now.
    func close(failingPending result: DeliveryResult?) {
        condition.lock()
        closed = true
        var dropped: [Job] = []
        if result != nil {
            dropped = Array(jobs[head...])
            jobs.removeAll()
            head = 0
        }
        condition.broadcast()
        condition.unlock()
        if let result { for job in dropped { job.complete(result) } }
    }
}
