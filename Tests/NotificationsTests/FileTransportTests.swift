import Foundation
import Notifications
import Testing

/// The `.eml` folder transport used when no SMTP server is configured.
@Suite("File transport")
struct FileTransportTests {
    @Test("a message is written as <message-id>.eml with exactly its bytes, creating the folder")
    func writesExactBytes() async throws {
        try await withScratchDirectory { scratch in
            let folder = scratch.appendingPathComponent("nested/outbox").path
            // Every byte value, bare CR and LF included: the transport must not touch them.
            let data = Array("Subject: bytes\r\n\r\n".utf8) + (0...255).map { UInt8($0) } + Array("\r\n".utf8)
            let transport = FileTransport(directory: folder)
            let result = await transport.send(Envelope(sender: "desk@itsm.example", recipients: ["ada@example.org"], data: data, messageID: "digest-42.7@itsm.example"))

            #expect(result == .delivered(reply: "written to \(folder)/digest-42.7_itsm.example.eml"))
            let listing = try FileManager.default.contentsOfDirectory(atPath: folder)
            let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/digest-42.7_itsm.example.eml")))
            #expect(listing == ["digest-42.7_itsm.example.eml"])
            #expect(written == data)
        }
    }

    @Test(
        "characters unsafe in a file name are replaced, and the file stays inside the folder",
        arguments: [
            ("a/b\\c d:é<>..x", "a_b_c_d____..x.eml"),
            ("../../etc/passwd", ".._.._etc_passwd.eml"),
            ("<id@host>", "_id_host_.eml"),
            ("", "message.eml"),
            (String(repeating: "z", count: 250), String(repeating: "z", count: 200) + ".eml"),
        ])
    func replacesUnsafeCharacters(messageID: String, fileName: String) async throws {
        try await withScratchDirectory { scratch in
            let folder = scratch.appendingPathComponent("outbox").path
            let data = Array("Subject: \(fileName)\r\n\r\nbody\r\n".utf8)
            let result = await FileTransport(directory: folder).send(Envelope(sender: "desk@itsm.example", recipients: ["ada@example.org"], data: data, messageID: messageID))

            #expect(result == .delivered(reply: "written to \(folder)/\(fileName)"))
            let listing = try FileManager.default.contentsOfDirectory(atPath: folder)
            let scratchListing = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
            let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(fileName)")))
            #expect(listing == [fileName])
            #expect(scratchListing == ["outbox"])
            #expect(written == data)
        }
    }

    @Test("sending the same message id again replaces the file")
    func replacesExistingFile() async throws {
        try await withScratchDirectory { scratch in
            let transport = FileTransport(directory: scratch.path)
            let first = await transport.send(Envelope(sender: "desk@itsm.example", recipients: ["ada@example.org"], data: Array("first\r\n".utf8), messageID: "same@itsm.example"))
            let second = await transport.send(Envelope(sender: "desk@itsm.example", recipients: ["ada@example.org"], data: Array("second\r\n".utf8), messageID: "same@itsm.example"))

            #expect(first == .delivered(reply: "written to \(scratch.path)/same_itsm.example.eml"))
            #expect(second == first)
            let listing = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
            let written = try String(contentsOfFile: "\(scratch.path)/same_itsm.example.eml", encoding: .utf8)
            #expect(listing == ["same_itsm.example.eml"])
            #expect(written == "second\r\n")
        }
    }

    @Test("a folder that cannot exist (under a regular file) is a transient failure naming the path")
    func unwritableFolder() async throws {
        try await withScratchDirectory { scratch in
            let blocker = scratch.appendingPathComponent("not-a-folder").path
            #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
            let folder = "\(blocker)/outbox"
            let result = await FileTransport(directory: folder).send(Envelope(sender: "desk@itsm.example", recipients: ["ada@example.org"], data: Array("body\r\n".utf8), messageID: "stuck@itsm.example"))

            guard case .failed(let failure) = result else {
                Issue.record("expected a failure, got \(result)")
                return
            }
            #expect(failure.kind == .transient)
            #expect(failure.smtpCode == nil)
            #expect(failure.text.contains("\(folder)/stuck_itsm.example.eml"))
            // Nothing left behind: no .partial, the blocking file untouched.
            let listing = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
            let blockerText = try String(contentsOfFile: blocker, encoding: .utf8)
            #expect(listing == ["not-a-folder"])
            #expect(blockerText == "x")
        }
    }
}

/// A fresh temporary folder for one test, removed afterwards.
private func withScratchDirectory(_ body: (URL) async throws -> Void) async throws {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("file-transport-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    try await body(scratch)
}

/// Found by bench/faults/run --only disk-full: with the mail folder full, every failed attempt left
/// its `.NAME.eml.partial` behind (284 of them for 300 messages), holding space the next needed.
@Suite("File transport on a full disk")
struct FileTransportFullDiskTests {
    @Test("a full disk is a transient failure naming the file, and no partial file is left behind")
    func fullDiskLeavesNoPartialFile() async throws {
        try await withScratchDirectory { scratch in
            let folder = scratch.path
            // The kernel's own full device: every write to it fails with ENOSPC, as on a full file system.
            try FileManager.default.createSymbolicLink(atPath: "\(folder)/.full_itsm.example.eml.partial", withDestinationPath: "/dev/full")
            let transport = FileTransport(directory: folder)
            let result = await transport.send(Envelope(
                sender: "desk@itsm.example", recipients: ["ada@example.org"], data: Array("Subject: full\r\n\r\nbody\r\n".utf8),
                messageID: "full@itsm.example"))

            guard case .failed(let failure) = result else {
                Issue.record("written to a full disk: \(result)")
                return
            }
            #expect(failure.kind == .transient)
            #expect(failure.text.hasPrefix("cannot write \(folder)/full_itsm.example.eml: "), "\(failure.text)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        }
    }
}
