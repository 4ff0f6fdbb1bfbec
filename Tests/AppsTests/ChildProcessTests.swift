import Foundation
import Testing

/// The harness's own promise: a hung binary fails its test instead of hanging the suite.
@Suite("Child process harness")
struct ChildProcessTests {
    @Test("a child still running at the deadline is killed and reported with what it printed")
    func deadline() async throws {
        try await withWorkingDirectory { directory in
            let child = try ChildProcess(
                URL(fileURLWithPath: "/bin/sh"), ["-c", "echo waiting >&2; exec sleep 30"], in: directory, environment: childEnvironment()
            )
            let startedAt = ContinuousClock.now
            await #expect {
                try await child.waitForStandardError(containing: "never printed", timeout: .milliseconds(500))
            } throws: { error in
                (error as? ChildProcess.TimedOut)?.standardError == "waiting\n"
            }
            let termination = try await child.waitForExit(timeout: .seconds(10))
            #expect(termination == ChildProcess.Termination(status: SIGKILL, bySignal: true))
            // Killed, not waited out: sooner than the child's own 30 s sleep. (A tighter bound measured
            // the machine's load, not the harness: it failed under a full parallel suite.)
            #expect(ContinuousClock.now - startedAt < .seconds(30))
        }
    }
}
