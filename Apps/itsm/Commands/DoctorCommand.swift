import ArgumentParser
import Domain
import Foundation
import ITSMConfig
import Logging
import Notifications
import Storage

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the set-up: configuration, database, SMTP server, public URL, secret key, state directory.",
        discussion: """
        Each check prints ✓ (fine), ⚠ (works, but look at it) or ✗ (broken); the exit code is 1 when \
        anything is ✗. Nothing is changed: no migration runs, no mail is sent (the SMTP check stops at \
        a NOOP), no key or folder is created. Secrets are never printed.

        Examples:
          itsm doctor
          itsm doctor --config /etc/itsm/config.json
        """
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        var report = DoctorReport()
        let configuration: ITSMConfiguration
        do {
            configuration = try await options.loadConfiguration()
            var source = options.config.map { "\($0) over the environment" } ?? "the environment (no config file)"
            if options.database != nil { source += ", database from --database" }
            report.add("config", .passed, "loaded from \(source)")
        } catch {
            report.add("config", .failed, "\(error)")
            report.finish()
        }
        await report.checkDatabase(configuration.database, logger: options.logger())
        await report.checkMail(configuration.mail)
        report.checkPublicURL(configuration.publicURL)
        report.checkSecretKey(configured: configuration.secretKey, stateDirectory: configuration.stateDirectory)
        report.checkStateDirectory(configuration.stateDirectory)
        report.finish()
    }
}

/// The doctor's checks, one printed line each.
struct DoctorReport {
    private(set) var failures = 0

    mutating func add(_ name: String, _ outcome: SMTPCheck.Step.Outcome, _ detail: String) {
        if outcome == .failed { failures += 1 }
        print("\(outcome.mark) \(name.padding(toLength: 10, withPad: " ", startingAt: 0))  \(Table.oneLine(detail))")
    }

    /// Ends the command: exit 1 when a check failed.
    func finish() -> Never {
        if failures > 0 {
            printError("\(failures) check\(failures == 1 ? "" : "s") failed.")
            ITSMCommand.exit(withError: ExitCode.failure)
        }
        ITSMCommand.exit()
    }

    mutating func checkDatabase(_ location: DatabaseLocation, logger: Logging.Logger) async {
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            add("database", .warning, "\(location): no database yet (itsm db migrate or the daemon's first start creates it)")
            return
        }
        let status: SchemaStatus
        do {
            status = try await Migrator.status(of: location, logger: logger)
        } catch {
            add("database", .failed, "\(location): cannot be reached: \(DatabaseErrorText.describe(error))")
            return
        }
        if status.isNewerThanBinary {
            add("database", .failed, "\(location): schema version \(status.current) is newer than this binary knows (\(status.latest)); upgrade itsm")
        } else if status.pending.isEmpty {
            add("database", .passed, "\(location): reachable, schema version \(status.current), up to date")
        } else {
            add("database", .warning, "\(location): reachable, schema version \(status.current) of \(status.latest); pending "
                + "\(status.pending.map(String.init).joined(separator: ", ")) (run: itsm db migrate; the daemon migrates on start)")
        }
    }

    mutating func checkMail(_ mail: ITSMConfiguration.MailDelivery) async {
        switch mail {
        case .files(let directory):
            add("smtp", .warning, "no SMTP server configured (ITSM_SMTP_URL): mail is written as .eml files in \(directory), nothing leaves this machine")
        case let .smtp(url, options):
            let settings = SMTPSettings(configured: url, options)
            let steps = await SMTPCheck(settings: settings).run(sending: nil)
            let greeting = steps.first { $0.name == "connect" }?.detail ?? settings.safeDescription
            if let failed = steps.first(where: { $0.outcome == .failed }) {
                add("smtp", .failed, "\(settings.safeDescription): \(failed.name) failed: \(failed.detail)")
            } else if let warned = steps.first(where: { $0.outcome == .warning }) {
                add("smtp", .warning, "\(greeting); \(warned.name): \(warned.detail)")
            } else {
                let done = steps.filter { $0.outcome == .passed }.map(\.name).joined(separator: ", ")
                add("smtp", .passed, "\(greeting) (\(done) ok; nothing sent)")
            }
        }
    }

    mutating func checkPublicURL(_ url: URL) {
        let host = (url.host ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if url.scheme?.lowercased() == "https" {
            add("public url", .passed, "\(url.absoluteString)")
        } else if Self.isLoopback(host) {
            add("public url", .passed, "\(url.absoluteString) (http on loopback: fine on this machine; use https for anyone else)")
        } else {
            add("public url", .warning, "\(url.absoluteString): links in mail would travel unencrypted; use https (e.g. behind a TLS proxy)")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host.hasPrefix("127.")
    }

    mutating func checkSecretKey(configured: String?, stateDirectory: String) {
        if configured != nil {
            add("secret key", .passed, "configured (ITSM_SECRET_KEY or secret.key; hidden)")
            return
        }
        let path = SecretKeyFile.path(in: stateDirectory)
        var info = stat()
        guard stat(path, &info) == 0 else {
            add("secret key", .warning, "none configured and no \(path) yet: itsm-scheduler creates it on first start")
            return
        }
        let mode = info.st_mode & 0o777
        let octal = "0" + String(mode, radix: 8)
        if (info.st_mode & S_IFMT) != S_IFREG {
            add("secret key", .failed, "\(path) is not a file")
        } else if mode & 0o077 != 0 {
            add("secret key", .failed, "\(path) can be read by other users (mode \(octal)); run: chmod 600 \(path)")
        } else if let data = FileManager.default.contents(atPath: path),
                  String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8.count >= 32 {
            add("secret key", .passed, "\(path) (mode \(octal))")
        } else {
            add("secret key", .failed, "\(path) cannot be read or holds fewer than 32 characters")
        }
    }

    mutating func checkStateDirectory(_ directory: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            let parent = (directory as NSString).deletingLastPathComponent
            if FileManager.default.isWritableFile(atPath: parent.isEmpty ? "." : parent) {
                add("state dir", .warning, "\(directory) does not exist yet; it is created on first start")
            } else {
                add("state dir", .failed, "\(directory) does not exist and cannot be created in \(parent.isEmpty ? "." : parent)")
            }
            return
        }
        guard isDirectory.boolValue else {
            add("state dir", .failed, "\(directory) is not a directory")
            return
        }
        // Writing a file says more than access(2), which root always passes.
        let probe = (directory as NSString).appendingPathComponent(".itsm-doctor-\(UUID().uuidString)")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            unlink(probe)
            add("state dir", .passed, "\(directory) is writable")
        } else {
            add("state dir", .failed, "\(directory) is not writable: \(String(cString: strerror(errno)))")
        }
    }
}
