import Foundation
import ITSMConfig
import Testing

@Suite("SecretKeyFile")
struct SecretKeyFileTests {
    @Test("the path is secret.key inside the state directory")
    func path() {
        #expect(SecretKeyFile.path(in: "./var") == "./var/secret.key")
        #expect(SecretKeyFile.path(in: "/srv/itsm/") == "/srv/itsm/secret.key")
    }

    @Test("creates the folder and a 64-hex-character key readable only by its owner")
    func createsKey() async throws {
        try await withTemporaryDirectory { directory in
            let state = (directory as NSString).appendingPathComponent("state/nested")
            let (key, created) = try SecretKeyFile.loadOrCreate(in: state)
            #expect(created)
            #expect(key.count == 64)
            #expect(key.allSatisfy { "0123456789abcdef".contains($0) }, "\(key)")

            let path = SecretKeyFile.path(in: state)
            let contents = try String(contentsOfFile: path, encoding: .utf8)
            #expect(contents == key + "\n")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let permissions = try #require(attributes[.posixPermissions] as? NSNumber).intValue
            #expect(permissions == 0o600, "mode \(String(permissions, radix: 8))")
        }
    }

    @Test("the second call returns the same key and says it was not created")
    func reusesKey() async throws {
        try await withTemporaryDirectory { directory in
            let first = try SecretKeyFile.loadOrCreate(in: directory)
            let second = try SecretKeyFile.loadOrCreate(in: directory)
            #expect(first.created)
            #expect(!second.created)
            #expect(second.key == first.key)
        }
    }

    @Test("two state directories get different keys")
    func keysAreRandom() async throws {
        try await withTemporaryDirectory { directory in
            let a = try SecretKeyFile.loadOrCreate(in: (directory as NSString).appendingPathComponent("a"))
            let b = try SecretKeyFile.loadOrCreate(in: (directory as NSString).appendingPathComponent("b"))
            #expect(a.key != b.key)
        }
    }

    @Test("a key file written by an operator is read as it is, without surrounding whitespace")
    func operatorKey() async throws {
        try await withTemporaryDirectory { directory in
            let key = "operator-chosen-key-0123456789abcdefghij"
            _ = try writeFile("  \(key)\n\n", named: "secret.key", in: directory)
            let loaded = try SecretKeyFile.loadOrCreate(in: directory)
            #expect(loaded.key == key)
            #expect(!loaded.created)
        }
    }

    @Test("a key file holding fewer than 32 characters is refused, naming the file, and left alone")
    func refusesShortKey() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile("short-key\n", named: "secret.key", in: directory)
            #expect {
                try SecretKeyFile.loadOrCreate(in: directory)
            } throws: { error in
                guard let error = error as? ConfigurationError, case .unreadableFile(let reported, let reason) = error else { return false }
                return reported == path && reason.contains("fewer than 32")
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "short-key\n")
        }
    }

    @Test("an empty key file is refused rather than replaced")
    func refusesEmptyKey() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile("", named: "secret.key", in: directory)
            #expect(throws: ConfigurationError.self) { try SecretKeyFile.loadOrCreate(in: directory) }
            #expect(FileManager.default.contents(atPath: path) == Data())
        }
    }
}
