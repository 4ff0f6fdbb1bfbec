import ArgumentParser
import Domain
import Notifications
import Storage

/// Runs `body`; a failure is printed as `error: <field>: <reason>` on standard error and the command
/// exits 1. Usage errors (`ValidationError`) are left to `ITSMCommand.main`, which exits 2.
func reportingFailures<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("error: " + failureMessage(error))
        throw ExitCode.failure
    }
}

extension GlobalOptions {
    /// `withContext` with failures reported as `error: <field>: <reason>` (exit 1).
    func withReportedContext<R: Sendable>(_ body: (CommandContext) async throws -> R) async throws -> R {
        try await reportingFailures { try await withContext(body) }
    }
}

/// What a person reads for `error`: the field first where the error knows it.
func failureMessage(_ error: any Error) -> String {
    switch error {
    case let error as DomainError:
        return error.description
    case let error as SubscriptionError:
        switch error {
        case .suppressed: return "email: \(error)"
        case .listHasConfirmedSubscribers: return "--force: \(error)"
        }
    case let error as SubscriptionServiceError:
        switch error {
        case .unknownList: return "list: \(error)"
        default: return error.description
        }
    case let error as StorageError:
        switch error {
        case let .duplicate(_, field, _): return "\(field): \(error)"
        default: return error.description
        }
    case let error as CommandFailure:
        return error.message
    default:
        return DatabaseErrorText.describe(error)
    }
}
