import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real SMTP server on loopback: `smtp_sink.py` (aiosmtpd) as a child process.
///
/// Start one with `withSink`, which always stops it, even when the test throws.
// @unchecked: `process` and `stdin` are touched only by `start` and `stop`, which `withSink`
// calls once each; everything else is immutable.
public final class SMTPSink: @unchecked Sendable {
    /// What the server does besides accepting mail.
    public struct Options: Sendable {
        /// Listen here instead of on a free port.
        public var port: Int?
        /// RCPT for these addresses gets `550 5.1.1 <addr>: Recipient address rejected`.
        public var refuse: [String] = []
        /// The first N RCPTs for an address get `451 4.3.0 Try again later`.
        public var tempfail: [String: Int] = [:]
        /// After N messages on one connection, answer the next MAIL with 421 and close it.
        public var closeAfter: Int?
        /// Offer STARTTLS with this certificate.
        public var tls: TLSFiles?
        /// Refuse mail until the client has said STARTTLS.
        public var requireTLS = false
        /// Require AUTH (PLAIN or LOGIN) with this user and password.
        public var auth: (user: String, password: String)?
        /// Wait this long before answering each message's DATA (a slow server; other connections carry on).
        public var delay: Duration?
        /// Faults to inject (refusals, stalls, closes, resets at chosen stages), in the order given.
        public var faults: [SMTPFault] = []

        public init(
            port: Int? = nil, refuse: [String] = [], tempfail: [String: Int] = [:], closeAfter: Int? = nil, tls: TLSFiles? = nil,
            requireTLS: Bool = false, auth: (user: String, password: String)? = nil, delay: Duration? = nil, faults: [SMTPFault] = []
        ) {
            self.faults = faults
            self.port = port
            self.refuse = refuse
            self.tempfail = tempfail
            self.closeAfter = closeAfter
            self.tls = tls
            self.requireTLS = requireTLS
            self.auth = auth
            self.delay = delay
        }
    }

    /// One accepted message: the bytes after the server undid the dot-stuffing, and its envelope.
    public struct Message: Sendable {
        public var data: [UInt8]
        public var envelope: ReceivedEnvelope
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// The envelope and session facts the server recorded next to each message.
    public struct ReceivedEnvelope: Decodable, Sendable, Equatable {
        public var mailFrom: String
        public var rcptTos: [String]
        /// The client's address and port; one port per connection.
        public var peer: [Peer]
        public var ehlo: String?
        public var tls: Bool
        public var tlsVersion: String?
        public var authenticatedAs: String?
    }

    /// One element of the `peer` pair: the host string or the port number.
    public enum Peer: Decodable, Sendable, Hashable {
        case host(String)
        case port(Int)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let port = try? container.decode(Int.self) { self = .port(port) } else { self = .host(try container.decode(String.self)) }
        }
    }

    public let port: Int
    /// Where the server writes NNNN.eml and NNNN.json.
    public let directory: URL
    private let process: Process
    /// Kept open while the sink runs: the script exits when it reads end-of-file (we went away).
    private let stdin: Pipe

    private init(port: Int, directory: URL, process: Process, stdin: Pipe) {
        self.port = port
        self.directory = directory
        self.process = process
        self.stdin = stdin
    }

    /// Every accepted message, in the order the server accepted them.
    public func messages() throws -> [Message] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try names.map { name in
            let stem = directory.appendingPathComponent(String(name.dropLast(".json".count)))
            let envelope = try decoder.decode(ReceivedEnvelope.self, from: Data(contentsOf: stem.appendingPathExtension("json")))
            let data = try Data(contentsOf: stem.appendingPathExtension("eml"))
            return Message(data: [UInt8](data), envelope: envelope)
        }
    }

    /// How many times each fault was injected so far, keyed by `SMTPFault.argument`.
    public func injectedFaults() throws -> [String: Int] {
        let data = try Data(contentsOf: directory.appendingPathComponent("faults.state"))
        return try JSONDecoder().decode([String: Int].self, from: data)
    }

    /// Starts the script and waits (at most `deadline`) for its `READY <port>` line.
    public static func start(_ options: Options, deadline: Duration = .seconds(20)) async throws -> SMTPSink {
        try await onOwnThread { try startBlocking(options, deadline: deadline) }
    }

    /// Sends SIGTERM, waits for the exit (SIGKILL after five seconds) and removes the folder.
    public func stop() async {
        await onOwnThread { self.stopBlocking() }
    }

    // MARK: Blocking parts, run on their own thread

    private static func startBlocking(_ options: Options, deadline: Duration) throws -> SMTPSink {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = [scriptPath, "--dir", directory.path]
        if let port = options.port { arguments += ["--port", String(port)] }
        for address in options.refuse { arguments += ["--refuse", address] }
        for (address, count) in options.tempfail.sorted(by: { $0.key < $1.key }) { arguments += ["--tempfail", "\(address):\(count)"] }
        if let closeAfter = options.closeAfter { arguments += ["--close-after", String(closeAfter)] }
        if let tls = options.tls { arguments += ["--tls-cert", tls.certificate, "--tls-key", tls.key] }
        if options.requireTLS { arguments.append("--require-tls") }
        if let auth = options.auth { arguments += ["--auth", "\(auth.user):\(auth.password)"] }
        for fault in options.faults { arguments += ["--fault", fault.argument] }
        if let delay = options.delay {
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            arguments += ["--delay", String(seconds)]
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: pythonPath)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let log = directory.appendingPathComponent("sink.log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw SinkError(message: "cannot create \(log.path)", log: nil)
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let sink = SMTPSink(port: 0, directory: directory, process: process, stdin: stdin)
        do {
            let line = try readLine(from: stdout.fileHandleForReading.fileDescriptor, deadline: deadline)
            let words = line.split(separator: " ")
            guard words.count == 2, words[0] == "READY", let port = Int(words[1]) else {
                throw SinkError(message: "unexpected first line \(line.debugDescription)", log: log)
            }
            return SMTPSink(port: port, directory: directory, process: process, stdin: stdin)
        } catch let error as SinkError {
            let logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            sink.stopBlocking()
            throw SinkError(message: "\(error.message); \(pythonPath) \(arguments.joined(separator: " ")) said: \(logged)", log: nil)
        }
    }

    private func stopBlocking() {
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        if process.isRunning {
            process.terminate()
            if exited.wait(timeout: .now() + .seconds(5)) == .timedOut { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? stdin.fileHandleForWriting.close()
        // The Process is never released, so what it holds is closed here (see `PipeIO`).
        try? (process.standardOutput as? Pipe)?.fileHandleForReading.close()
        try? (process.standardError as? FileHandle)?.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Reads up to the first newline, waiting in `poll` so a silent child cannot hang the test.
    private static func readLine(from descriptor: Int32, deadline: Duration) throws(SinkError) -> String {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while !bytes.contains(UInt8(ascii: "\n")) {
            let left = clock.now.duration(to: end)
            guard left > .zero else { throw SinkError(message: "no READY line within \(deadline)", log: nil) }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw SinkError(message: "the script exited before READY", log: nil) }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    private static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_sink.py").path

    /// Debian's Python, which has python3-aiosmtpd; a pyenv `python3` on PATH does not.
    private static var pythonPath: String {
        ProcessInfo.processInfo.environment["ITSM_TEST_SMTP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/python3"
    }
}

/// A fault the sink injects: at `stage`, `action`, the first `count` times (nil: every time).
public struct SMTPFault: Sendable, Hashable, CustomStringConvertible {
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        /// The TCP connection, before the greeting.
        case connect = "CONNECT"
        case mail = "MAIL"
        case rcpt = "RCPT"
        /// The DATA command (a `close` or `reset` here happens mid-DATA, after the 354).
        case data = "DATA"
        /// The end-of-data dot: the message has arrived and waits for its final reply.
        case endOfData = "EOD"
    }

    public enum Action: Sendable, Hashable {
        /// Answer with this reply code (a 421 also closes the connection).
        case reply(Int)
        /// Never answer.
        case stall
        /// Close the connection (FIN).
        case close
        /// Reset the connection (RST).
        case reset
    }

    public var stage: Stage
    public var action: Action
    public var count: Int?

    public init(_ stage: Stage, _ action: Action, count: Int? = nil) {
        self.stage = stage
        self.action = action
        self.count = count
    }

    /// The `--fault` argument of smtp_sink.py.
    public var argument: String {
        let action = switch action {
        case .reply(let code): String(code)
        case .stall: "stall"
        case .close: "close"
        case .reset: "reset"
        }
        return "\(stage.rawValue):\(action)" + (count.map { ":\($0)" } ?? "")
    }

    public var description: String { argument }
}

/// The sink did not come up; the message carries the script's own words.
public struct SinkError: Error, CustomStringConvertible {
    public var message: String
    public var log: URL?
    public var description: String { "SMTP sink: \(message)" }
}

/// Runs `body` against a fresh sink and stops the sink afterwards, whatever happens.
public func withSink<T>(_ options: SMTPSink.Options = .init(), _ body: (SMTPSink) async throws -> T) async throws -> T {
    let sink = try await SMTPSink.start(options)
    do {
        let value = try await body(sink)
        await sink.stop()
        return value
    } catch {
        await sink.stop()
        throw error
    }
}

/// A throwaway self-signed certificate for CN=localhost (DNS:localhost, IP:127.0.0.1).
public struct TLSFiles: Sendable {
    public var certificate: String
    public var key: String

    /// Made with the `openssl` CLI once per test process, in a temporary folder.
    public static func shared() async throws -> TLSFiles {
        try await onOwnThread { try generated.get() }
    }

    /// Removed when the test process exits.
    private static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tls-\(UUID().uuidString)")

    private static let generated = Result<TLSFiles, any Error> {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TLSFiles.directory) }
        let files = TLSFiles(certificate: directory.appendingPathComponent("cert.pem").path, key: directory.appendingPathComponent("key.pem").path)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", files.key, "-out", files.certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw SinkError(message: "openssl req exited with \(openssl.terminationStatus)", log: nil)
        }
        return files
    }
}

/// A loopback port nothing listens on right now (bound to port 0, read back, closed).
public func unusedLoopbackPort() throws -> Int {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw SinkError(message: "socket() failed: errno \(errno)", log: nil) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw SinkError(message: "bind/getsockname failed: errno \(errno)", log: nil) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs blocking work (a child's pipe, `waitUntilExit`) on a thread of its own, off the
/// cooperative pool.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

public func onOwnThread(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        Thread {
            work()
            continuation.resume()
        }.start()
    }
}
