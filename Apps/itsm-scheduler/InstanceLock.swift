import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One scheduler per SQLite database: an exclusive lock on `<database>.scheduler-lock`, held until
/// the process exits (the kernel releases it however the process ends, kill -9 included).
struct InstanceLock {
    let path: String
    private let descriptor: Int32

    /// Takes the lock, or explains who holds it.
    static func acquire(forSQLiteAt databasePath: String) throws -> InstanceLock {
        let path = databasePath + ".scheduler-lock"
        // The database's folder may not exist yet (the store creates it later, the same way).
        let folder = (databasePath as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw InstanceLockError(message: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw InstanceLockError(message: """
                another itsm-scheduler is already running on the SQLite database \(databasePath)\(holder.isEmpty ? "" : " (\(holder))"). \
                SQLite supports one scheduler; to run several, use PostgreSQL (ITSM_DATABASE_URL=postgres://...)
                """)
        }
        // Who holds it, for the message a second instance prints.
        let note = "process \(ProcessInfo.processInfo.processIdentifier) on \(ProcessInfo.processInfo.hostName)\n"
        _ = ftruncate(descriptor, 0)
        _ = note.withCString { write(descriptor, $0, strlen($0)) }
        return InstanceLock(path: path, descriptor: descriptor)
    }
}

struct InstanceLockError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
