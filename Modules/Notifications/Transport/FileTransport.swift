import Foundation

/// Writes each message as an `.eml` file (RFC 5322, CRLF) in a folder: the delivery used when no
/// SMTP server is configured. Any mail client opens the files.
public struct FileTransport: MailTransport {
    public let directory: URL

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    public func send(_ envelope: Envelope) async -> DeliveryResult {
        let name = Self.fileName(for: envelope.messageID)
        let target = directory.appendingPathComponent(name)
        do {
            // Owner-only: the files hold addresses and signed unsubscribe links.
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // Write then rename, so a reader never sees half a message.
            let temporary = directory.appendingPathComponent(".\(name).partial")
            try Data(envelope.data).write(to: temporary)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: temporary, to: target)
            return .delivered(reply: "written to \(target.path)")
        } catch {
            // Disk full or permissions: worth retrying once the operator fixes it.
            return .failed(DeliveryFailure(kind: .transient, text: "cannot write \(target.path): \(error.localizedDescription)"))
        }
    }

    public func shutdown() async {}

    /// A file name from the Message-ID: only characters safe in any file system.
    static func fileName(for messageID: String) -> String {
        let safe = messageID.unicodeScalars.map { scalar -> String in
            let c = Character(scalar)
            return c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_") ? String(c) : "_"
        }.joined()
        return (safe.isEmpty ? "message" : String(safe.prefix(200))) + ".eml"
    }
}
