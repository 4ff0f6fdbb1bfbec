import Foundation
import SystemPackage

/// The link-signing key kept in the state folder when none is configured.
public enum SecretKeyFile {
    public static func path(in stateDirectory: String) -> String {
        (stateDirectory as NSString).appendingPathComponent("secret.key")
    }

    /// Reads the key file, or creates it (owner-only permissions) with 32 random bytes as hex.
    /// Returns the key and whether it was created now.
    public static func loadOrCreate(in stateDirectory: String) throws -> (key: String, created: Bool) {
        try loadOrCreate(in: stateDirectory, attemptsLeft: 3)
    }

    private static func loadOrCreate(in stateDirectory: String, attemptsLeft: Int) throws -> (key: String, created: Bool) {
        let path = path(in: stateDirectory)
        let manager = FileManager.default
        if manager.fileExists(atPath: path), !manager.isReadableFile(atPath: path) {
            throw ConfigurationError.unreadableFile(path: path, reason: "exists but cannot be read by this user (check its owner and permissions)")
        }
        if let data = manager.contents(atPath: path) {
            let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard key.utf8.count >= 32 else {
                throw ConfigurationError.unreadableFile(path: path, reason: "the key file holds fewer than 32 characters; delete it to have a new one made (links already sent will stop working)")
            }
            return (key, false)
        }
        try manager.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux: cryptographically secure.
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        // Created exclusively with owner-only permissions from the first byte: never readable by
        // others, and when two processes race, one creates it and the other reads the winner's key.
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite]
            )
        } catch Errno.fileExists {
            // Another process created it between our read and our create: read theirs (bounded,
            // so a path that exists but is no file cannot loop).
            guard attemptsLeft > 0 else {
                throw ConfigurationError.unreadableFile(path: path, reason: "exists but is not a readable key file")
            }
            return try loadOrCreate(in: stateDirectory, attemptsLeft: attemptsLeft - 1)
        } catch {
            throw ConfigurationError.unreadableFile(path: path, reason: "could not be created: \(error)")
        }
        do {
            try descriptor.closeAfter { _ = try descriptor.writeAll(Array((key + "\n").utf8)) }
        } catch {
            throw ConfigurationError.unreadableFile(path: path, reason: "could not be written: \(error)")
        }
        return (key, true)
    }
}
