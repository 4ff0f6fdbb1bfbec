import Foundation

/// The `itsm` and `itsm-scheduler` executables of this build, found next to the test bundle.
enum Binaries {
    struct NotBuilt: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String {
            "no executable '\(name)' in \(searched.joined(separator: ", ")); build it first with `swift build --build-tests`"
        }
    }

    /// Where SwiftPM put this test bundle; the products of the same build sit beside it.
    static let searchDirectories: [URL] = {
        var directories: [URL] = []
        let bundle = Bundle.main.bundleURL
        directories.append(bundle)  // Linux: the folder holding the `.xctest` executable
        directories.append(bundle.deletingLastPathComponent())  // macOS: the folder holding the `.xctest` bundle
        if let executable = Bundle.main.executableURL {
            directories.append(executable.deletingLastPathComponent())
        }
        // Tests/AppsTests/Binaries.swift -> the package root -> .build/debug
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        return directories
    }()

    static func url(of name: String) throws -> URL {
        for directory in searchDirectories {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw NotBuilt(name: name, searched: searchDirectories.map(\.path))
    }

    static func itsm() throws -> URL { try url(of: "itsm") }
    static func scheduler() throws -> URL { try url(of: "itsm-scheduler") }
}

/// The environment a child gets: nothing inherited, so no stray ITSM_* variable changes a test.
func childEnvironment(_ settings: [String: String] = [:]) -> [String: String] {
    let base = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": NSTemporaryDirectory()]
    return base.merging(settings) { $1 }
}

/// Runs `body` in a fresh, empty working directory, removed afterwards.
func withWorkingDirectory<R>(_ body: (URL) async throws -> R) async throws -> R {
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("itsm-apps-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}
