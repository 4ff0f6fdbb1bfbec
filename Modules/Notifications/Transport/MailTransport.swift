import Foundation

/// One message ready for the wire: the envelope and the RFC 5322 bytes (CRLF line ends).
public struct Envelope: Sendable, Hashable {
    /// The reverse path (MAIL FROM), a bare address.
    public var sender: String
    /// The forward paths (RCPT TO), bare addresses.
    public var recipients: [String]
    /// The message as produced by `MIMEEncoder`: CRLF everywhere, not dot-stuffed.
    public var data: [UInt8]
    /// The Message-ID without angle brackets, for logs and file names.
    public var messageID: String

    /// Whether `address` can stand in `MAIL FROM:<...>` / `RCPT TO:<...>`: no controls, spaces or brackets.
    public static func isSafePath(_ address: String) -> Bool {
        !address.isEmpty && address.utf8.count <= 254
            && !address.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
    }

    public init(sender: String, recipients: [String], data: [UInt8], messageID: String) {
        self.sender = sender
        self.recipients = recipients
        self.data = data
        self.messageID = messageID
    }
}

extension MailTransport {
    /// Sends concurrently and hands each result to `record` as soon as it is known; returns when
    /// every `record` has returned.
    public func send(_ envelopes: [Envelope], recording record: @escaping @Sendable (Int, DeliveryResult) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for (index, envelope) in envelopes.enumerated() {
                group.addTask { await record(index, await send(envelope)) }
            }
        }
    }

    public func send(_ envelopes: [Envelope]) async -> [DeliveryResult] {
        await withTaskGroup(of: (Int, DeliveryResult).self) { group in
            for (index, envelope) in envelopes.enumerated() {
                group.addTask { (index, await send(envelope)) }
            }
            var results = [DeliveryResult?](repeating: nil, count: envelopes.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0 ?? .failed(DeliveryFailure(kind: .transient, text: "no result")) }
        }
    }
}

/// Why a delivery attempt failed, as the outbox needs to know it.
public struct DeliveryFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Worth retrying later: connection trouble, timeouts, 4xx replies, TLS/auth set-up errors.
        case transient
        /// Retrying cannot help: a 5xx reply for this message or recipient.
        case permanent
    }

    public var kind: Kind
    /// The SMTP reply code, when the server gave one.
    public var smtpCode: Int?
    /// The server's reply text or the transport's explanation.
    public var text: String
    /// Recipients the server refused (from the RCPT replies), if any.
    public var refusedRecipients: [String]
    /// The transport's own error code when there was no SMTP reply (libcurl's CURLcode).
    public var transportCode: Int?

    public init(kind: Kind, smtpCode: Int? = nil, text: String, refusedRecipients: [String] = [], transportCode: Int? = nil) {
        self.kind = kind
        self.smtpCode = smtpCode
        self.text = text
        self.refusedRecipients = refusedRecipients
        self.transportCode = transportCode
    }

    public var description: String {
        "\(kind.rawValue) failure" + (smtpCode.map { " (SMTP \($0))" } ?? "") + ": " + text
    }
}

/// What a transport reports for one message.
public enum DeliveryResult: Sendable, Hashable {
    /// Accepted by the next hop; the server's final reply (e.g. "250 2.0.0 Ok: queued as 4F...").
    case delivered(reply: String)
    case failed(DeliveryFailure)
}

/// Something that delivers envelopes: SMTP through libcurl, or `.eml` files in a folder.
public protocol MailTransport: Sendable {
    func send(_ envelope: Envelope) async -> DeliveryResult
    /// Sends many; results in the same order. Transports may do this with fewer thread hops.
    func send(_ envelopes: [Envelope]) async -> [DeliveryResult]
    /// Sends many, handing each result to `record` (with the envelope's index) as soon as it is
    /// known, and returns when every `record` has returned. A transport that keeps connections
    /// starts a connection's next message only after `record` has returned for its last delivery,
    /// so a crash can leave at most one delivered but unrecorded message per connection.
    func send(_ envelopes: [Envelope], recording record: @escaping @Sendable (Int, DeliveryResult) async -> Void) async
    /// Lets in-flight transfers finish, then releases connections and threads.
    func shutdown() async
    /// Refuses queued work that has not started (it fails as transient, to be retried); transfers
    /// in flight finish. Called when a graceful shutdown begins.
    func stopAccepting()
}

extension MailTransport {
    public func stopAccepting() {}
}
