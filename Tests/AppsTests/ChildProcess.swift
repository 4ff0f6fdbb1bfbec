import Foundation
import ITSMTestSupport
import Synchronization

/// A binary running as a child process, its standard output and error collected as they arrive.
///
/// Each pipe is drained by its own thread (a blocking read never runs on the cooperative pool);
/// waiting polls that state against a deadline, so a hung child fails its test instead of the suite.
final class ChildProcess: @unchecked Sendable {  // `process` is only started and signalled; the rest sits in a Mutex.
    struct Termination: Sendable, Equatable, CustomStringConvertible {
        var status: Int32
        var bySignal: Bool

        static let success = Termination(status: 0, bySignal: false)
        static let failure = Termination(status: 1, bySignal: false)

        var description: String { bySignal ? "killed by signal \(status)" : "exit \(status)" }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var command: String
        var waitingFor: String
        var standardError: String
        var description: String { "\(command): gave up waiting for \(waitingFor); its stderr so far:\n\(standardError)" }
    }

    private enum Stream { case output, error }

    private struct State {
        var output = Data()
        var error = Data()
        var openPipes = 2
        var termination: Termination?
    }

    /// Shared with the reader threads and the termination handler, which may outlive a wait.
    private final class SharedState: Sendable {
        let mutex = Mutex(State())
        func withLock<R>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    let command: String
    private let process = Process()
    private let state = SharedState()

    var standardOutput: String { state.withLock { String(decoding: $0.output, as: UTF8.self) } }
    var standardError: String { state.withLock { String(decoding: $0.error, as: UTF8.self) } }

    /// Starts `executable` with exactly `environment` (nothing inherited) in `directory`.
    init(_ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String]) throws {
        command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.terminationHandler = { [state] process in
            let termination = Termination(status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal)
            state.withLock { $0.termination = termination }
        }
        try process.run()
        drain(output.fileHandleForReading, into: .output)
        drain(error.fileHandleForReading, into: .error)
    }

    deinit {
        // A test that failed half-way must not leave a daemon behind.
        if state.withLock({ $0.termination == nil }) { kill(process.processIdentifier, SIGKILL) }
    }

    private func drain(_ handle: FileHandle, into stream: Stream) {
        Thread.detachNewThread { [state] in
            // Closes the handle at end of file: the `Process` keeps its pipes open otherwise (see `PipeIO`).
            PipeIO.drain(handle) { chunk in
                state.withLock {
                    switch stream {
                    case .output: $0.output.append(contentsOf: chunk)
                    case .error: $0.error.append(contentsOf: chunk)
                    }
                }
            }
            state.withLock { $0.openPipes -= 1 }
        }
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits until the child has exited and both pipes are drained; kills it at the deadline.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Termination {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (termination, openPipes) = state.withLock { ($0.termination, $0.openPipes) }
            if let termination, openPipes == 0 { return termination }
            if ContinuousClock.now >= deadline {
                send(SIGKILL)
                throw TimedOut(command: command, waitingFor: "it to exit", standardError: standardError)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until standard error holds `text`; fails early, with the log, if the child exits first.
    func waitForStandardError(containing text: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (log, termination) = state.withLock { (String(decoding: $0.error, as: UTF8.self), $0.termination) }
            if log.contains(text) { return }
            if let termination {
                throw TimedOut(command: command, waitingFor: "'\(text)' (it ended: \(termination))", standardError: log)
            }
            if ContinuousClock.now >= deadline {
                send(SIGKILL)
                throw TimedOut(command: command, waitingFor: "'\(text)'", standardError: log)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// What a finished command printed and how it ended.
struct CommandResult: Sendable {
    var termination: ChildProcess.Termination
    var standardOutput: String
    var standardError: String

    /// Both streams, for messages that may go to either.
    var output: String { standardOutput + standardError }
}

/// Runs a command to completion (killing it after `timeout`).
func run(
    _ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String], timeout: Duration = .seconds(60)
) async throws -> CommandResult {
    let child = try ChildProcess(executable, arguments, in: directory, environment: environment)
    let termination = try await child.waitForExit(timeout: timeout)
    return CommandResult(termination: termination, standardOutput: child.standardOutput, standardError: child.standardError)
}
