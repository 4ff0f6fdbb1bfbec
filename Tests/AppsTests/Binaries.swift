import Foundation
import Glibc

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
    // Each daemon serves its pages on a loopback port of its own, so tests can run side by side.
    var base = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": NSTemporaryDirectory()]
    if let port = freeLoopbackPort() { base["ITSM_HTTP_BIND"] = "127.0.0.1:\(port)" }
    return base.merging(settings) { $1 }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
func freeLoopbackPort() -> Int? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { return nil }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
}

/// Runs `body` in a fresh, empty working directory, removed afterwards.
func withWorkingDirectory<R>(_ body: (URL) async throws -> R) async throws -> R {
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("itsm-apps-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}
