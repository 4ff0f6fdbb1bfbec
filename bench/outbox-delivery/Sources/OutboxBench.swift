import Domain
import Foundation
import Logging
import Notifications
import Storage

/// Delivers N messages of about S bytes from a fresh SQLite outbox to an SMTP sink, once per
/// connection count, and prints messages per second and peak memory. Run by `bench/outbox-delivery/run`.
@main
struct OutboxBench {
    static func main() async throws {
        let options = try Options(CommandLine.arguments.dropFirst())
        try Libcurl.initialise()
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        for connections in options.connections {
            if options.transportOnly {
                let rate = try await runTransport(options, connections: connections, logger: logger)
                print(String(format: "transport-only connections=%d messages=%d rate=%.0f/s", connections, options.messages, rate))
                continue
            }
            let rate = try await run(options, connections: connections, logger: logger)
            print(String(format: "itsm-outbox connections=%d messages=%d rate=%.0f/s peak_rss_mb=%.1f", connections, options.messages, rate, peakResidentMegabytes()))
        }
    }

    static func run(_ options: Options, connections: Int, logger: Logger) async throws -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let now = Instant(Date())
        let (store, _) = try await Store.open(.sqlite(path: folder.appendingPathComponent("bench.sqlite").path), now: now, logger: logger)
        let body = message(size: options.size)
        let enqueueStart = ContinuousClock.now
        defer { FileHandle.standardError.write(Data("enqueue took \(ContinuousClock.now - enqueueStart) before delivery (not timed)\n".utf8)) }
        for chunk in stride(from: 0, to: options.messages, by: 1000) {
            try await store.transaction { tx in
                for index in chunk..<min(chunk + 1000, options.messages) {
                    let id = "bench-\(index)@bench.example"
                    var data = Array("Message-ID: <\(id)>\r\n".utf8)
                    data += body
                    try await store.outbox.enqueue(NewOutboxMessage(
                        idempotencyKey: "bench:\(index)", kind: "bench", priority: 10, sender: "sender@bench.example",
                        recipients: ["rcpt\(index % 100)@bench.example"], messageID: id, data: data
                    ), at: now, in: tx)
                }
            }
        }
        guard let url = URL(string: "smtp://127.0.0.1:\(options.port)") else { throw BenchError("bad port") }
        let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: connections), logger: logger)
        let delivery = OutboxDelivery(
            outbox: store.outbox, transport: transport, policy: DeliveryPolicy(batchSize: max(64, 32 * connections)),
            workerName: "bench", now: { Instant(Date()) }, logger: logger
        )
        let clock = ContinuousClock()
        let start = clock.now
        // Two lanes, as OutboxWorker runs them: one batch is claimed and recorded while another is sent.
        let sent = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var sent = 0
                    while true {
                        let round = try await delivery.deliverDueMessages()
                        if round.claimed == 0 { return sent }
                        sent += round.sent
                        if round.failed + round.retried > 0 { throw BenchError("\(round.failed) failed, \(round.retried) retried: is the sink running?") }
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        await transport.shutdown()
        try await store.database.close()
        guard sent == options.messages else { throw BenchError("sent \(sent) of \(options.messages)") }
        return Double(sent) / elapsed.secondsValue
    }

    /// The transport alone, without the outbox: what the SMTP path can do.
    static func runTransport(_ options: Options, connections: Int, logger: Logger) async throws -> Double {
        guard let url = URL(string: "smtp://127.0.0.1:\(options.port)") else { throw BenchError("bad port") }
        let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: connections), logger: logger)
        let body = message(size: options.size)
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<connections {
                group.addTask {
                    for index in stride(from: lane, to: options.messages, by: connections) {
                        _ = await transport.send(Envelope(sender: "s@bench.example", recipients: ["r\(index % 100)@bench.example"], data: body, messageID: "m\(index)"))
                    }
                }
            }
        }
        let elapsed = clock.now - start
        await transport.shutdown()
        return Double(options.messages) / elapsed.secondsValue
    }

    /// Headers and a plain body of about `size` bytes in 76-character lines, CRLF.
    static func message(size: Int) -> [UInt8] {
        var text = "From: sender@bench.example\r\nTo: rcpt@bench.example\r\nSubject: benchmark\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        let line = String(repeating: "x", count: 74) + "\r\n"
        while text.utf8.count + line.utf8.count <= size { text += line }
        return Array(text.utf8)
    }

    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
        return kilobytes / 1024
    }
}

struct Options {
    var messages = 20_000
    var size = 4096
    var connections = [1, 8]
    var port = 2525
    var transportOnly = false

    init(_ arguments: ArraySlice<String>) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard let value = iterator.next() else { throw BenchError("\(argument) needs a value") }
            switch argument {
            case "--messages": messages = Int(value) ?? messages
            case "--size": size = Int(value) ?? size
            case "--port": port = Int(value) ?? port
            case "--transport-only": transportOnly = value == "yes"
            case "--connections": connections = value.split(separator: ",").compactMap { Int($0) }
            default: throw BenchError("unknown option \(argument)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
