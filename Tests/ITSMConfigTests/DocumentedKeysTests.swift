import Foundation
import ITSMConfig
import Testing

/// An operator finds every setting in the README's table, in deploy/itsm.env.example and in
/// deploy/config.example.json, and the example file loads as it is.
@Suite("Every configuration key is documented where operators look")
struct DocumentedKeysTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("each key's variable is in the README table and the env example", arguments: ITSMConfiguration.Key.allCases)
    func documented(key: ITSMConfiguration.Key) throws {
        #expect(try Self.read("README.md").contains("`\(key.environmentName)`"))
        #expect(try Self.read("deploy/itsm.env.example").contains("#\(key.environmentName)="))
    }

    @Test("the example config file names every key, and loads")
    func exampleFile() async throws {
        let path = Self.root.appendingPathComponent("deploy/config.example.json").path
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        for key in ITSMConfiguration.Key.allCases {
            var value: Any? = object
            for component in key.rawValue.split(separator: ".") { value = (value as? [String: Any])?[String(component)] }
            #expect(value != nil, "\(key.rawValue) is missing from deploy/config.example.json")
        }
        // The CA file it names does not exist here; everything else must load.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var patched = object
        var smtp = try #require(patched["smtp"] as? [String: Any])
        smtp.removeValue(forKey: "caFile")
        patched["smtp"] = smtp
        let copy = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: patched).write(to: copy)
        let configuration = try await ITSMConfiguration.load(environment: [:], configFile: copy.path)
        #expect(configuration.subscriptions.subscribeLimit == 20)
        #expect(configuration.scheduler.catchUp == .all)
        #expect(configuration.subscriptions.trustedProxies == ["127.0.0.1", "::1"])
        #expect(configuration.stateDirectory == "./var")
    }

    @Test("the daemon's testing-only clock shift is in the env example, marked as for tests, and set nowhere else")
    func testingClockOffset() throws {
        let name = "ITSM_TESTING_CLOCK_OFFSET_SECONDS"
        // Read by Apps/itsm-scheduler from the environment only, so it is no configuration key.
        #expect(!ITSMConfiguration.Key.allCases.map(\.environmentName).contains(name))
        let example = try Self.read("deploy/itsm.env.example")
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex { $0.hasPrefix("#\(name)=") }, "\(name) is not in deploy/itsm.env.example")
        // The comment just above it says it is for tests only.
        let comment = lines[..<index].reversed().prefix { $0.hasPrefix("# ") }.joined(separator: " ")
        #expect(comment.contains("tests only"), "\(comment)")
        for file in ["deploy/compose.yaml", "deploy/systemd/itsm-scheduler.service", "deploy/Containerfile", "deploy/config.example.json"] {
            #expect(!(try Self.read(file)).contains(name), "\(file) sets \(name)")
        }
    }
}
