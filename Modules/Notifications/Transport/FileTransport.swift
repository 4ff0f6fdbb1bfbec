import Foundation

/// Writes each message as an `.eml` file (RFC 5322, CRLF) in a folder: the delivery used when no
/// SMTP server is configured. Any mail client opens the files; a message with an HTML part also
/// gets that part, decoded, as an `.html` file of the same name, for a browser.
public struct FileTransport: MailTransport {
    public let directory: URL

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    public func send(_ envelope: Envelope) async -> DeliveryResult {
        let name = Self.fileName(for: envelope.messageID)
        let target = directory.appendingPathComponent(name)
        let htmlTarget = directory.appendingPathComponent(Self.htmlFileName(for: name))
        do {
            // Owner-only: the files hold addresses and signed unsubscribe links.
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The HTML first, so whoever sees the .eml appear finds its .html already there.
            if let html = MIMEReader.htmlBody(of: envelope.data) {
                try writeAtomically(html, to: htmlTarget)
            } else if FileManager.default.fileExists(atPath: htmlTarget.path) {
                try FileManager.default.removeItem(at: htmlTarget)  // left by an earlier message of this id
            }
            try writeAtomically(envelope.data, to: target)
            return .delivered(reply: "written to \(target.path)")
        } catch {
            // Disk full or permissions: worth retrying once the operator fixes it.
            return .failed(DeliveryFailure(kind: .transient, text: "cannot write \(target.path): \(error.localizedDescription)"))
        }
    }

    public func shutdown() async {}

    /// Write then rename(2), which replaces an older file in one step: a reader sees the old file or
    /// the new one, never half of one or none.
    private func writeAtomically(_ bytes: [UInt8], to target: URL) throws {
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).partial")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            // A full disk: what was written of the file must not stay and take space that others need.
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "rename to \(target.lastPathComponent): \(reason)"])
        }
    }

    /// A file name from the Message-ID: only characters safe in any file system.
    static func fileName(for messageID: String) -> String {
        let safe = messageID.unicodeScalars.map { scalar -> String in
            let c = Character(scalar)
            return c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_") ? String(c) : "_"
        }.joined()
        return (safe.isEmpty ? "message" : String(safe.prefix(200))) + ".eml"
    }

    /// `name.eml` becomes `name.html`: the message's HTML part beside it.
    static func htmlFileName(for emlName: String) -> String {
        String(emlName.dropLast(".eml".count)) + ".html"
    }
}
