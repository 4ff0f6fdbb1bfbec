import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ITSMTestSupport
import Testing

/// What `scripts/run` does on a fresh checkout, step by step with this build's binaries: seed the
/// demo into the empty database, start the daemon with mail as files and the catch-up of only the
/// latest missed run, and find mail to open within a minute.
@Suite("first run: seed, start, mail to open")
struct FirstRunTests {
    /// The settings `scripts/run` exports (the rest are the defaults: ./var, files, 127.0.0.1).
    static let runSettings = ["ITSM_SCHEDULER_CATCH_UP": "latest"]

    @Test("the seeded lists' confirmation mails and latest digests arrive as .eml files Python's strict parser reads, each digest with its .html; SIGTERM stops the daemon with exit 0")
    func firstRun() async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            let environment = childEnvironment(Self.runSettings)
            let mail = directory.appendingPathComponent("var/mail")

            // Before any mail: `itsm demo open` says there is none and how to send one.
            let before = try await run(itsm, ["demo", "open"], in: directory, environment: environment)
            #expect(before.termination == .failure, "\(before.output)")
            #expect(before.standardOutput.contains("No digest in \(mail.path) yet."), "\(before.output)")
            #expect(before.standardOutput.contains("itsm digest send ops-weekly --to you@example.org"), "\(before.output)")

            // The script's seeding step: the empty database is seeded, a second start leaves it alone.
            let seed = try await run(itsm, ["demo", "seed", "--if-empty", "--json"], in: directory, environment: environment, timeout: .seconds(120))
            try #require(seed.termination == .success, "\(seed.output)")
            let summary = try JSONDecoder().decode(SeedSummary.self, from: Data(seed.standardOutput.utf8))
            #expect(summary.lists == ["ops-weekly", "cab-daily"])
            let again = try await run(itsm, ["demo", "seed", "--if-empty"], in: directory, environment: environment)
            #expect(again.termination == .success, "\(again.output)")
            #expect(again.standardOutput == "The database already holds records or lists: not seeded.\n", "\(again.output)")

            let daemon = try ChildProcess(try Binaries.scheduler(), [], in: directory, environment: environment)
            try await daemon.waitForStandardError(containing: SchedulerDaemonTests.started)

            // A confirmation for each pending subscriber, and each list's latest digest for each confirmed
            // one, with nobody doing anything but starting the daemon.
            let expectedDigests = summary.confirmedSubscribers
            let names = try await waitForMail(in: mail, daemon: daemon) { names in
                names.filter(isConfirmation).count >= summary.pendingSubscribers && names.filter(isDigest).count >= expectedDigests
            }
            let confirmations = names.filter(isConfirmation)
            let digests = names.filter(isDigest)
            #expect(confirmations.count == summary.pendingSubscribers, "\(names)")
            #expect(digests.count == expectedDigests, "\(names)")

            for name in confirmations {
                let parsed = try strictlyParsed(mail.appendingPathComponent(name))
                let text = try #require(parsed.text(of: "text/plain"), "\(name) has no text part")
                #expect(text.contains("/confirm?"), "\(name): \(text)")
                #expect(FileManager.default.fileExists(atPath: mail.appendingPathComponent(htmlName(name)).path), "\(name) has no .html beside it")
            }
            var listIDs: [String] = []
            for name in digests {
                let parsed = try strictlyParsed(mail.appendingPathComponent(name))
                listIDs += parsed.values("List-Id")
                let partHTML = try #require(parsed.parts.first { $0.contentType == "text/html" }, "\(name) has no HTML part")
                let html = try [UInt8](Data(contentsOf: mail.appendingPathComponent(htmlName(name))))
                #expect(html == partHTML.payload, "\(htmlName(name)) is not the decoded HTML part")
                #expect(String(decoding: html, as: UTF8.self).lowercased().hasPrefix("<!doctype html>"), "\(htmlName(name))")
            }
            // Two confirmed subscribers on each list: two copies of each list's digest.
            #expect(listIDs.filter { $0.contains("<ops-weekly.") }.count == 2, "\(listIDs)")
            #expect(listIDs.filter { $0.contains("<cab-daily.") }.count == 2, "\(listIDs)")

            // The printed subscribe page answers.
            let bind = try #require(environment["ITSM_HTTP_BIND"])
            let (body, response) = try await URLSession.shared.data(from: try #require(URL(string: "http://\(bind)/lists/ops-weekly")))
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: body, as: UTF8.self).contains("Operations weekly"))

            // `itsm demo open` names the newest digest's .html, of one list with --list.
            let open = try await run(itsm, ["demo", "open"], in: directory, environment: environment)
            #expect(open.termination == .success, "\(open.output)")
            let newest = open.standardOutput.trimmingCharacters(in: .newlines)
            #expect(digests.map { mail.appendingPathComponent(htmlName($0)).path }.contains(newest), "\(open.output)")
            #expect(open.standardError.contains("xdg-open \(newest)"), "\(open.output)")
            let openCAB = try await run(itsm, ["demo", "open", "--list", "cab-daily"], in: directory, environment: environment)
            let cabHTML = openCAB.standardOutput.trimmingCharacters(in: .newlines)
            let cabEml = try strictlyParsed(URL(fileURLWithPath: String(cabHTML.dropLast(".html".count)) + ".eml"))
            #expect(cabEml.values("List-Id").contains { $0.contains("<cab-daily.") }, "\(openCAB.output)")

            // The command the script prints for sending one now: a test copy the daemon delivers.
            let send = try await run(itsm, ["digest", "send", "ops-weekly", "--to", "you@example.org"], in: directory, environment: environment)
            #expect(send.termination == .success, "\(send.output)")
            let afterSend = try await waitForMail(in: mail, daemon: daemon) { $0.contains { $0.hasPrefix("digest-test.") && $0.hasSuffix(".eml") } }
            let testCopy = try #require(afterSend.first { $0.hasPrefix("digest-test.") && $0.hasSuffix(".eml") })
            #expect(try strictlyParsed(mail.appendingPathComponent(testCopy)).values("Subject").first?.hasPrefix("[TEST] ") == true)
            #expect(FileManager.default.fileExists(atPath: mail.appendingPathComponent(htmlName(testCopy)).path))

            daemon.send(SIGTERM)
            let termination = try await daemon.waitForExit()
            #expect(termination == .success, "\(daemon.standardError)")
            #expect(daemon.standardError.contains(SchedulerDaemonTests.stopped), "\(daemon.standardError)")
        }
    }
}

/// The part of `itsm demo seed --json` this test reads.
private struct SeedSummary: Decodable {
    var lists: [String]
    var confirmedSubscribers: Int
    var pendingSubscribers: Int
}

/// Message-IDs `confirm.<...>@domain` and `digest.<run>.<subscription>@domain`, as file names.
private func isConfirmation(_ name: String) -> Bool { name.hasPrefix("confirm.") && name.hasSuffix(".eml") }
private func isDigest(_ name: String) -> Bool { name.hasPrefix("digest.") && name.hasSuffix(".eml") }
private func htmlName(_ eml: String) -> String { String(eml.dropLast(".eml".count)) + ".html" }

/// The message read by Python's `email` package with policy.strict: no error and no defect.
private func strictlyParsed(_ file: URL) throws -> ParsedMail {
    let parsed = try PythonMailParser.parse(try [UInt8](Data(contentsOf: file)))
    #expect(parsed.error == nil, "\(file.lastPathComponent): \(parsed.error ?? "")")
    #expect(parsed.defects == [], "\(file.lastPathComponent)")
    return parsed
}

/// Waits until the mail folder's file names satisfy `done` (the daemon writes them as it delivers),
/// giving up after a minute or when the daemon exits; returns the names.
private func waitForMail(in folder: URL, daemon: ChildProcess, _ done: ([String]) -> Bool) async throws -> [String] {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        if done(names) { return names }
        if ContinuousClock.now >= deadline {
            throw ChildProcess.TimedOut(command: daemon.command, waitingFor: "mail in \(folder.path) (it has \(names))", standardError: daemon.standardError)
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
