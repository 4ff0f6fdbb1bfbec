import Foundation
import ITSMTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An answer exactly as the server sent it over the wire, with the parts the tests read.
struct WireResponse: Sendable {
    /// Every byte received, status line to the end of the body.
    var bytes: [UInt8]
    var status: Int
    /// The header lines in the order sent, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The value of the first header called `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The bytes with the `Date` header line taken out: what two answers to the same question share.
    var bytesWithoutDate: [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return bytes }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n").filter { !$0.lowercased().hasPrefix("date:") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }
}

/// The server closed, answered garbage or said nothing in time.
struct WireError: Error, CustomStringConvertible {
    var description: String
}

/// HTTP/1.1 over a fresh TCP connection to 127.0.0.1, one request per connection, written and read
/// as bytes: no client library rewrites headers, so answers can be compared byte for byte, and a
/// request can stop part-way through its body to see whether the server answers without the rest.
enum LoopbackHTTP {
    /// Sends `head` (request line and headers, ending in an empty line) and `body`, then reads one
    /// answer (the whole of it: `Content-Length` bytes of body). Never half-closes: the server
    /// must answer while the connection is open, whatever it has or has not received.
    static func exchange(port: Int, head: String, body: [UInt8] = [], deadline: Duration = .seconds(20)) async throws -> WireResponse {
        try await onOwnThread { try exchangeBlocking(port: port, request: Array(head.utf8) + body, deadline: deadline) }
    }

    private static func exchangeBlocking(port: Int, request: [UInt8], deadline: Duration) throws -> WireResponse {
        let descriptor = try connected(port: port)
        defer { close(descriptor) }
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                // The server may close once it has answered (a body it refuses): read what it said.
                if errno == EPIPE || errno == ECONNRESET { break }
                throw WireError(description: "send failed: errno \(errno)")
            }
            sent += count
        }
        return try readResponse(descriptor, deadline: deadline)
    }

    private static func connected(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw WireError(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw WireError(description: "connect to 127.0.0.1:\(port) failed: errno \(code)")
        }
        return descriptor
    }

    /// Reads the status line, headers and `Content-Length` bytes of body, waiting in `poll` so a
    /// silent server fails the test at `deadline` instead of hanging it.
    private static func readResponse(_ descriptor: Int32, deadline: Duration) throws -> WireResponse {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let response = try parsed(bytes) { return response }
            let left = clock.now.duration(to: end)
            guard left > .zero else {
                throw WireError(description: "no complete answer within \(deadline); got \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&request, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw WireError(description: "the server closed the connection after \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            }
            bytes += chunk[0..<count]
        }
    }

    /// The answer in `bytes` once it is complete, nil while more is to come.
    private static func parsed(_ bytes: [UInt8]) throws -> WireResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ", maxSplits: 2)
        guard statusWords.count >= 2, statusWords[0] == "HTTP/1.1", let status = Int(statusWords[1]) else {
            throw WireError(description: "not an HTTP/1.1 status line: \(lines[0].debugDescription)")
        }
        let headers = lines.dropFirst().map { line -> (name: String, value: String) in
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        guard let lengthText = headers.first(where: { $0.name.lowercased() == "content-length" })?.value, let length = Int(lengthText) else {
            throw WireError(description: "the answer has no Content-Length: \(lines.joined(separator: " | "))")
        }
        let bodyStart = headEnd + 4
        guard bytes.count >= bodyStart + length else { return nil }
        return WireResponse(bytes: Array(bytes[..<(bodyStart + length)]), status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + length)]))
    }
}
