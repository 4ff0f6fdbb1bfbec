import Foundation
import ITSMConfig
import Logging
import Storage
import Testing

@Suite("Bootstrap")
struct BootstrapTests {
    @Test("opening the configured SQLite store creates the file and brings the schema to the latest version, once")
    func opensAndMigrates() async throws {
        try await withTemporaryDirectory { directory in
            let state = (directory as NSString).appendingPathComponent("var")
            let configuration = try await ITSMConfiguration.load(environment: ["ITSM_STATE_DIRECTORY": state])
            let logger = Logger(label: "bootstrap-tests")

            // Every migration this build knows, from the first: 1, 2, ...
            let known = Schema.migrations.map(\.version).sorted()
            #expect(known.first == 1)
            #expect(known == Array(1...known.count))

            let store = try await Bootstrap.openStore(configuration, logger: logger)
            let status = try await Migrator(database: store.database).status()
            try await store.database.close()
            #expect(FileManager.default.fileExists(atPath: (state as NSString).appendingPathComponent("itsm.sqlite")))
            #expect(status.applied == known)
            #expect(status.current == known.count)
            #expect(status.pending == [])

            let again = try await Bootstrap.openStore(configuration, logger: logger)
            let statusAgain = try await Migrator(database: again.database).status()
            try await again.database.close()
            #expect(statusAgain.applied == known)
        }
    }
}
