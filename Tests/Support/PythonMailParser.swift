import Foundation
import Testing

/// A message as Python's `email` package (policy.strict) reads it: an independent parser.
public struct ParsedMail: Decodable, Sendable {
    public struct Mailbox: Decodable, Equatable, Sendable {
        public var displayName: String
        public var address: String

        public init(displayName: String, address: String) {
            self.displayName = displayName
            self.address = address
        }
    }

    public struct Header: Decodable, Sendable {
        public var name: String
        public var value: String
        public var addresses: [Mailbox]?
    }

    public struct Part: Decodable, Sendable {
        public var contentType: String
        public var charset: String?
        public var transferEncoding: String?
        public var payloadBase64: String
        public var headerNames: [String]

        /// The part's content after undoing the transfer encoding.
        public var payload: [UInt8] { Array(Data(base64Encoded: payloadBase64) ?? Data()) }
    }

    public var error: String?
    public var defects: [String]
    public var headers: [Header]
    public var contentType: String?
    public var parts: [Part]

    /// The values of every header called `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    public func addresses(_ name: String) -> [Mailbox] {
        headers.first { $0.name.lowercased() == name.lowercased() }?.addresses ?? []
    }
}

/// Runs Tests/Support/mime_parse.py on rendered bytes.
public enum PythonMailParser {
    /// Debian's python3 unless the test script names another (ITSM_TEST_SMTP_PYTHON).
    public static let python = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ITSM_TEST_SMTP_PYTHON"] ?? "/usr/bin/python3")
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("mime_parse.py")

    public static func parse(_ bytes: [UInt8]) throws -> ParsedMail {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mime-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, file.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let json = PipeIO.readToEnd(output.fileHandleForReading)
        let stderr = PipeIO.readToEnd(errors.fileHandleForReading)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0, "mime_parse.py failed: \(String(decoding: stderr, as: UTF8.self))"
        )
        return try JSONDecoder().decode(ParsedMail.self, from: json)
    }
}

extension ParsedMail {
    /// The decoded text of the first part of this content type (e.g. `text/plain`), or nil.
    public func text(of contentType: String) -> String? {
        parts.first { $0.contentType == contentType }.map { String(decoding: $0.payload, as: UTF8.self) }
    }
}
