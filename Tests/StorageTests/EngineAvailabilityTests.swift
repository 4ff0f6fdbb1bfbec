import Foundation
import Testing

@Suite("Storage test engines")
struct EngineAvailabilityTests {
    @Test("CI runs the storage tests on PostgreSQL as well as SQLite")
    func postgresRunsInCI() {
        let environment = ProcessInfo.processInfo.environment
        if environment["CI"] == "true", TestEngine.postgresURL == nil {
            Issue.record(
                """
                CI=true but \(TestEngine.postgresURLVariable) is not set, so every storage test ran on SQLite only. \
                Run the suite through scripts/test, which starts a throwaway PostgreSQL server and sets it.
                """
            )
        }
    }
}
