import Foundation
import Reporting
import Testing

/// Renders the full digest's HTML and has headless Chromium draw it, light and dark, so a person can
/// look at what a service owner will see. The PNGs go to `$ITSM_TEST_OUTPUT` or `.build/test-output/digest/`.
@Suite("the HTML digest as a browser draws it")
struct ScreenshotTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(
        "headless Chromium draws the digest in light and dark colours",
        .enabled(if: chromium != nil || required, "chromium is not installed (apt-get install chromium); with CI=true this test fails instead")
    )
    func screenshot() throws {
        let chromium = try #require(Self.chromium, "CI=true and no chromium at /usr/bin/chromium")
        let folder = GoldenFile.outputFolder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = folder.appendingPathComponent("digest.html")
        let html = try DigestRenderer(digest: try DigestFixture.full()).render(.html, for: try DigestFixture.recipient())
        try Data(html.utf8).write(to: page)

        for (name, flags) in [("digest.png", []), ("digest-dark.png", ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"])] {
            let png = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: png)
            try Self.run(chromium, flags + ["--window-size=800,4400", "--screenshot=\(png.path)", page.absoluteString])
            let size = (try FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0
            // A blank 800x4400 PNG compresses to a few kilobytes; the drawn digest is well over 100 KB.
            #expect(size > 50_000, "\(png.path) is only \(size) bytes")
            print("digest screenshot: \(png.path) (\(size) bytes)")
        }
    }

    /// Runs headless Chromium with its own throwaway profile, giving up after a minute.
    static func run(_ chromium: String, _ arguments: [String]) throws {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "chromium exited with \(process.terminationStatus)")
    }
}
