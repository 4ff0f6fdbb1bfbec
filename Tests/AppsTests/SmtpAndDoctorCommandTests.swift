import Foundation
import ITSMTestSupport
import Testing

@Suite("itsm smtp test and itsm doctor, end to end")
struct SmtpAndDoctorCommandTests {
    static let user = "mailer"
    static let password = "Pw-s3cret-4c0ffee"

    /// The settings that point `itsm` at `sink` with STARTTLS (its certificate trusted) and AUTH.
    static func smtpSettings(_ sink: SMTPSink, tls: TLSFiles, password: String = password) -> [String: String] {
        [
            "ITSM_SMTP_URL": "smtp://127.0.0.1:\(sink.port)", "ITSM_SMTP_CA_FILE": tls.certificate,
            "ITSM_SMTP_USERNAME": user, "ITSM_SMTP_PASSWORD": password, "ITSM_SMTP_REQUIRE_TLS": "true",
        ]
    }

    /// Runs `itsm` in a fresh working directory with exactly `settings`.
    static func itsm(_ arguments: [String], _ settings: [String: String], in directory: URL) async throws -> CommandResult {
        try await run(try Binaries.itsm(), arguments, in: directory, environment: childEnvironment(settings))
    }

    /// The step lines (`✓ name  detail`) of an output: each step's mark by its name.
    static func steps(_ output: String) -> [String: String] {
        let names = ["public url", "secret key", "state dir", "config", "database", "smtp", "connect", "EHLO", "TLS", "AUTH", "send", "NOOP"]
        var steps: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let mark = trimmed.first, "✓⚠✗–".contains(mark) else { continue }
            let rest = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
            if let name = names.first(where: { rest.hasPrefix($0 + " ") }) { steps[name] = String(mark) }
        }
        return steps
    }

    @Test("smtp test against a STARTTLS + AUTH server: every step ✓, the message arrives encrypted and authenticated")
    func smtpTestPasses() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true, auth: (Self.user, Self.password))) { sink in
            try await withWorkingDirectory { directory in
                let result = try await Self.itsm(["smtp", "test", "--to", "ops@example.net"], Self.smtpSettings(sink, tls: tls), in: directory)
                #expect(result.termination == .success, "\(result.output)")
                #expect(Self.steps(result.standardOutput) == ["connect": "✓", "EHLO": "✓", "TLS": "✓", "AUTH": "✓", "send": "✓"], "\(result.output)")
                #expect(result.standardOutput.contains("STARTTLS: 220"), "\(result.output)")
                #expect(result.standardOutput.contains("certificate verified"), "\(result.output)")
                #expect(result.standardOutput.contains("as mailer: 235"), "\(result.output)")
                #expect(result.standardOutput.contains("250 2.0.0 Ok: queued as 0001"), "\(result.output)")
                #expect(!result.output.contains(Self.password))

                let messages = try sink.messages()
                try #require(messages.count == 1)
                #expect(messages[0].envelope.rcptTos == ["ops@example.net"])
                #expect(messages[0].envelope.tls)
                #expect(messages[0].envelope.authenticatedAs == Self.user)
                #expect(messages[0].text.contains("Subject: [TEST] itsm SMTP test"), "\(messages[0].text)")
                // Straight to the server: nothing was put in an outbox (no database was even made).
                #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("var").path))
            }
        }
    }

    @Test("smtp test fails with exit 1 and the reason: wrong password, refused recipient, untrusted certificate, no server")
    func smtpTestFailures() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(refuse: ["nobody@example.net"], tls: tls, requireTLS: true, auth: (Self.user, Self.password))) { sink in
            try await withWorkingDirectory { directory in
                let wrong = "Wrong-pw-9f8e7d"
                let denied = try await Self.itsm(["smtp", "test", "--to", "ops@example.net"], Self.smtpSettings(sink, tls: tls, password: wrong), in: directory)
                #expect(denied.termination == .failure, "\(denied.output)")
                #expect(Self.steps(denied.standardOutput) == ["connect": "✓", "EHLO": "✓", "TLS": "✓", "AUTH": "✗", "send": "–"], "\(denied.output)")
                #expect(denied.standardOutput.contains("535"), "\(denied.output)")
                #expect(denied.standardError.contains("SMTP test failed at AUTH"), "\(denied.output)")
                #expect(!denied.output.contains(wrong))

                let refused = try await Self.itsm(["smtp", "test", "--to", "nobody@example.net"], Self.smtpSettings(sink, tls: tls), in: directory)
                #expect(refused.termination == .failure, "\(refused.output)")
                #expect(Self.steps(refused.standardOutput)["send"] == "✗", "\(refused.output)")
                #expect(refused.standardOutput.contains("550 5.1.1 <nobody@example.net>: Recipient address rejected"), "\(refused.output)")

                var untrusted = Self.smtpSettings(sink, tls: tls)
                untrusted["ITSM_SMTP_CA_FILE"] = nil
                let notTrusted = try await Self.itsm(["smtp", "test", "--to", "ops@example.net"], untrusted, in: directory)
                #expect(notTrusted.termination == .failure, "\(notTrusted.output)")
                #expect(Self.steps(notTrusted.standardOutput)["TLS"] == "✗", "\(notTrusted.output)")
                #expect(notTrusted.standardOutput.contains("certificate is not trusted"), "\(notTrusted.output)")
                #expect(notTrusted.standardOutput.contains("ITSM_SMTP_CA_FILE"), "\(notTrusted.output)")
                #expect(try sink.messages().isEmpty)

                let closed = try unusedLoopbackPort()
                let noServer = try await Self.itsm(["smtp", "test", "--to", "ops@example.net"], ["ITSM_SMTP_URL": "smtp://127.0.0.1:\(closed)"], in: directory)
                #expect(noServer.termination == .failure, "\(noServer.output)")
                #expect(Self.steps(noServer.standardOutput)["connect"] == "✗", "\(noServer.output)")

                let files = try await Self.itsm(["smtp", "test", "--to", "ops@example.net"], [:], in: directory)
                #expect(files.termination == .failure, "\(files.output)")
                #expect(files.standardError.contains("mail goes to files in ./var/mail"), "\(files.output)")

                let usage = try await Self.itsm(["smtp", "test"], [:], in: directory)
                #expect(usage.termination.status == 2, "\(usage.output)")
            }
        }
    }

    @Test("doctor on a good set-up: every check ✓, exit 0, no secret printed, nothing sent", arguments: Engine.available)
    func doctorAllGood(engine: Engine) async throws {
        let tls = try await TLSFiles.shared()
        let key = "doctor-test-key-0123456789abcdef-0123456789"
        try await withSink(.init(tls: tls, requireTLS: true, auth: (Self.user, Self.password))) { sink in
            try await withWorkingDirectory { directory in
                try await ScratchDatabase.with(engine, in: directory) { database in
                    var settings = database.settings.merging(Self.smtpSettings(sink, tls: tls)) { $1 }
                    settings["ITSM_PUBLIC_URL"] = "https://itsm.example.org"
                    settings["ITSM_SECRET_KEY"] = key
                    try FileManager.default.createDirectory(at: directory.appendingPathComponent("var"), withIntermediateDirectories: true)
                    let migrate = try await Self.itsm(["db", "migrate"], settings, in: directory)
                    try #require(migrate.termination == .success, "\(migrate.output)")

                    let result = try await Self.itsm(["doctor"], settings, in: directory)
                    #expect(result.termination == .success, "\(result.output)")
                    #expect(Self.steps(result.standardOutput) == [
                        "config": "✓", "database": "✓", "smtp": "✓", "public url": "✓", "secret key": "✓", "state dir": "✓",
                    ], "\(result.output)")
                    #expect(result.standardOutput.contains("up to date"), "\(result.output)")
                    #expect(result.standardOutput.contains("NOOP ok; nothing sent"), "\(result.output)")
                    for secret in [key, Self.password] + [database.password].compactMap({ $0 }) {
                        #expect(!result.output.contains(secret))
                    }
                    #expect(try sink.messages().isEmpty)
                }
            }
        }
    }

    @Test("doctor on a bad set-up: unreachable SMTP, a key file others can read, an unwritable state dir are ✗ (exit 1); http and pending migrations ⚠")
    func doctorFindsProblems() async throws {
        try await withWorkingDirectory { directory in
            let closed = try unusedLoopbackPort()
            var settings = ["ITSM_SMTP_URL": "smtp://127.0.0.1:\(closed)", "ITSM_PUBLIC_URL": "http://itsm.example.org"]
            let state = directory.appendingPathComponent("var")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let keyFile = state.appendingPathComponent("secret.key")
            try Data("0123456789abcdef0123456789abcdef0123\n".utf8).write(to: keyFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)
            // Schema version 2 of the latest: the rest pending.
            _ = try await Self.itsm(["db", "migrate"], settings, in: directory)
            let database = state.appendingPathComponent("itsm.sqlite").path
            let python = Process()
            python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            python.arguments = ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM schema_migrations WHERE version > 2'); c.commit()", database]
            try python.run()
            python.waitUntilExit()
            try #require(python.terminationStatus == 0)

            let result = try await Self.itsm(["doctor"], settings, in: directory)
            #expect(result.termination == .failure, "\(result.output)")
            #expect(Self.steps(result.standardOutput) == [
                "config": "✓", "database": "⚠", "smtp": "✗", "public url": "⚠", "secret key": "✗", "state dir": "✓",
            ], "\(result.output)")
            #expect(result.standardOutput.contains("schema version 2 of"), "\(result.output)")
            #expect(result.standardOutput.contains("chmod 600"), "\(result.output)")
            #expect(result.standardOutput.contains("connect failed"), "\(result.output)")
            #expect(result.standardError.contains("2 checks failed."), "\(result.output)")
            #expect(!result.output.contains("0123456789abcdef0123456789abcdef0123"))

            // A state directory that is a file; a configuration that does not load.
            try Data().write(to: directory.appendingPathComponent("not-a-dir"))
            settings = ["ITSM_STATE_DIRECTORY": "./not-a-dir"]
            let notDirectory = try await Self.itsm(["doctor"], settings, in: directory)
            #expect(notDirectory.termination == .failure, "\(notDirectory.output)")
            #expect(Self.steps(notDirectory.standardOutput)["state dir"] == "✗", "\(notDirectory.output)")
            #expect(Self.steps(notDirectory.standardOutput)["smtp"] == "⚠", "files mode: \(notDirectory.output)")
            #expect(notDirectory.standardOutput.contains("not-a-dir/mail"), "\(notDirectory.output)")

            let badConfig = try await Self.itsm(["doctor"], ["ITSM_HTTP_BIND": "nope"], in: directory)
            #expect(badConfig.termination == .failure, "\(badConfig.output)")
            #expect(Self.steps(badConfig.standardOutput) == ["config": "✗"], "\(badConfig.output)")
            #expect(badConfig.standardOutput.contains("ITSM_HTTP_BIND"), "\(badConfig.output)")
        }
    }
}
