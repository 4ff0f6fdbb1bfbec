import Domain
import Foundation
import ITSMTestSupport
import Notifications
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real browser on the live pages: headless Chromium, driven by Selenium from
/// Support/browser_flow.py, opens the links from the mail the SMTP sink received and presses the
/// buttons; the database must follow (confirmed, then unsubscribed). Screenshots of every page are
/// kept under `$ITSM_TEST_OUTPUT/browser/` (default `.build/test-output/browser/`).
@Suite("Subscription pages in headless Chromium", .timeLimit(.minutes(3)))
struct BrowserFlowTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test(
        "Chromium opens the mailed confirm link, presses Confirm subscription, then the list mail's unsubscribe link and Unsubscribe",
        .enabled(
            if: BrowserTools.missing.isEmpty || BrowserTools.underCI,
            "needs Debian's chromium, chromium-driver and python3-selenium (scripts/test installs them); under CI=true it runs and fails instead"))
    func confirmAndUnsubscribeInChromium() async throws {
        try #require(BrowserTools.missing.isEmpty, "CI=true but the browser test cannot run: \(BrowserTools.missing.joined(separator: "; "))")
        let output = BrowserTools.outputFolder
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try await withLivePages(.sqlite) { pages in
            try await withSink { sink in
                try await withSMTPDelivery(pages, to: sink) { deliver in
                    let subscribed = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")], headers: [("Origin", pages.origin)])
                    #expect(subscribed.status == 200)
                    #expect(try await deliver().sent == 1)
                    let received = try sink.messages()
                    try #require(received.count == 1)
                    let confirmLink = try confirmLink(inMail: received[0].data, origin: pages.origin)

                    // The pages send `Referrer-Policy: same-origin`, so a browser's form POST carries the
                    // page's own Origin (under no-referrer it would be `Origin: null`, which the pages refuse).
                    try await pressButtons(pages, sink: sink, deliver: deliver, confirmLink: confirmLink, output: output)
                }
            }
        }
    }

    /// Chromium confirms from the mailed link; then a list mail is delivered and Chromium
    /// unsubscribes from its List-Unsubscribe link. The database follows each step.
    private func pressButtons(
        _ pages: LivePages, sink: SMTPSink, deliver: () async throws -> DeliveryRound, confirmLink: String, output: URL
    ) async throws {
        let confirm = try await BrowserTools.run(
            step: "confirm", url: confirmLink, button: "Confirm subscription", expectTitle: "You're subscribed", output: output)
        #expect(confirm.before.title == "Confirm subscription")
        #expect(confirm.before.buttons == ["Confirm subscription"])
        #expect(confirm.before.text.contains("Confirming subscribes you to the mailing list \"Ops weekly\"."))
        #expect(confirm.after.heading == "You're subscribed")
        #expect(confirm.after.text.contains("You're subscribed to \"Ops weekly\"."))
        #expect(confirm.after.url == pages.origin + "/confirm")
        #expect(try await pages.subscription("ada@example.org").state == .confirmed)
        let confirmed = try await pages.consent("ada@example.org")
        #expect(confirmed.map(\.action) == [.subscribed, .confirmed])
        // The POST came from the browser itself (its Origin passed the check).
        #expect(confirmed.last?.method == .web(ipAddress: "127.0.0.1", userAgent: confirm.userAgent))

        try await enqueueListMessage(pages)
        #expect(try await deliver().sent == 1)
        let all = try sink.messages()
        try #require(all.count == 2)
        let unsubscribeLink = try oneClickUnsubscribeLink(inMail: all[1].data)

        let unsubscribe = try await BrowserTools.run(
            step: "unsubscribe", url: unsubscribeLink, button: "Unsubscribe", expectTitle: "You're unsubscribed", output: output)
        #expect(unsubscribe.before.title == "Unsubscribe")
        #expect(unsubscribe.before.text.contains("Unsubscribing stops all mail from the mailing list \"Ops weekly\" to you."))
        #expect(unsubscribe.after.text.contains("You're unsubscribed from \"Ops weekly\" and will get no more mail from it."))
        #expect(try await pages.subscription("ada@example.org").state == .unsubscribed)
        #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed, .confirmed, .unsubscribed])

        for page in [confirm.before, confirm.after, unsubscribe.before, unsubscribe.after] {
            let png = try Data(contentsOf: URL(fileURLWithPath: page.screenshot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(page.screenshot) is not a PNG")
        }
    }
}

/// What browser_flow.py reports for one step: the page from the link and the page after the button.
struct BrowserStep: Decodable {
    struct Page: Decodable {
        var url: String
        var title: String
        var heading: String
        var text: String
        var buttons: [String]
        var screenshot: String
    }

    var step: String
    var browser: String
    var userAgent: String
    var before: Page
    var after: Page
}

/// Debian's Chromium, its WebDriver and Selenium for Debian's python3, and where screenshots go.
enum BrowserTools {
    static let chromium = "/usr/bin/chromium"
    static let driver = "/usr/bin/chromedriver"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/browser_flow.py")

    /// Debian's python3 (which has python3-selenium) unless the test script names another.
    static var python: String {
        ProcessInfo.processInfo.environment["ITSM_TEST_SMTP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/python3"
    }

    static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// What is not installed, each with its Debian package; empty when the test can run.
    static let missing: [String] = {
        var missing: [String] = []
        if access(chromium, X_OK) != 0 { missing.append("\(chromium) (Debian package chromium)") }
        if access(driver, X_OK) != 0 { missing.append("\(driver) (Debian package chromium-driver)") }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import selenium"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        if (try? probe.run()) == nil {
            missing.append("\(python) (Debian package python3)")
        } else {
            probe.waitUntilExit()
            if probe.terminationStatus != 0 { missing.append("Selenium for \(python) (Debian package python3-selenium)") }
        }
        return missing
    }()

    /// `$ITSM_TEST_OUTPUT/browser`, else `.build/test-output/browser` in the package.
    static var outputFolder: URL {
        if let base = ProcessInfo.processInfo.environment["ITSM_TEST_OUTPUT"], !base.isEmpty {
            return URL(fileURLWithPath: base).appendingPathComponent("browser")
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/test-output/browser")
    }

    /// Runs browser_flow.py for one step and decodes its report; a failure carries the script's own words.
    static func run(step: String, url: String, button: String, expectTitle: String, output: URL) async throws -> BrowserStep {
        let arguments = [
            script.path, "--step", step, "--url", url, "--button", button, "--expect-title", expectTitle,
            "--output", output.path, "--chromium", chromium, "--driver", driver,
        ]
        // This run's screenshots only: an old one must not pass for a page this run never reached.
        let screenshots = ["page", "done"].map { output.appendingPathComponent("\(step)-\($0).png") }
        for file in screenshots { try? FileManager.default.removeItem(at: file) }
        let result = try await onOwnThread { try runBlocking(arguments, deadline: .seconds(90)) }
        for file in screenshots where FileManager.default.fileExists(atPath: file.path) {
            print("browser screenshot: \(file.path)")
        }
        let report = String(decoding: result.standardOutput, as: UTF8.self)
        try #require(result.status == 0, "browser_flow.py --step \(step) exited \(result.status): \(report) \(result.standardError)")
        return try JSONDecoder().decode(BrowserStep.self, from: result.standardOutput)
    }

    /// Output goes to files, not pipes, so a chatty Chromium cannot block on a full pipe; a
    /// script still running at `deadline` is killed.
    private static func runBlocking(_ arguments: [String], deadline: Duration) throws -> (status: Int32, standardOutput: Data, standardError: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("browser-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdout = folder.appendingPathComponent("stdout"), stderr = folder.appendingPathComponent("stderr")
        for file in [stdout, stderr] { FileManager.default.createFile(atPath: file.path, contents: nil) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let outputHandle = try FileHandle(forWritingTo: stdout), errorHandle = try FileHandle(forWritingTo: stderr)
        // Closed here: the Process is never released, nor what it holds.
        defer { try? outputHandle.close(); try? errorHandle.close() }
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let seconds = Int(deadline.components.seconds)
        if exited.wait(timeout: .now() + .seconds(seconds)) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw BrowserFlowTimeout(arguments: arguments, seconds: seconds)
        }
        return (process.terminationStatus, try Data(contentsOf: stdout), (try? String(contentsOf: stderr, encoding: .utf8)) ?? "")
    }
}

/// browser_flow.py did not finish in time (Chromium hung, say).
struct BrowserFlowTimeout: Error, CustomStringConvertible {
    var arguments: [String]
    var seconds: Int
    var description: String { "browser_flow.py did not finish within \(seconds) s: \(arguments.joined(separator: " "))" }
}
