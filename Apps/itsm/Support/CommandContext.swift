import ArgumentParser
import Domain
import Foundation
import ITSMConfig
import Logging
import Notifications
import Storage

/// What a command that touches the system works with: the configuration, an open store (schema
/// brought up to date), a logger, and "now". Opened by `GlobalOptions.withContext` and always closed.
struct CommandContext: Sendable {
    let configuration: ITSMConfiguration
    let store: Store
    let logger: Logger

    /// The instant a command acts at (stored in UTC).
    var now: Instant { Instant(Date()) }

    /// The double opt-in service with the daemon's link-signing key (the configured one, or the one
    /// kept under the state directory, created there if neither exists yet), so links the CLI puts
    /// in mail work on the daemon's pages.
    func subscriptionService(now: @escaping @Sendable () -> Instant = { Instant(Date()) }) throws -> SubscriptionService {
        let key = try configuration.secretKey ?? SecretKeyFile.loadOrCreate(in: configuration.stateDirectory).key
        return try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: key), publicBaseURL: configuration.publicURL,
            policy: SubscriptionPolicy(
                confirmLinkLifetime: .seconds(Int64(configuration.subscriptions.confirmLinkHours) * 3600),
                confirmationInterval: .seconds(Int64(configuration.subscriptions.resendMinutes) * 60)),
            now: now, logger: logger)
    }

    /// The operator's name for consent records and audit trails: `--operator`, else $SUDO_USER, $USER or "cli".
    static func operatorName(_ given: String?) -> String {
        let environment = ProcessInfo.processInfo.environment
        return given ?? environment["SUDO_USER"] ?? environment["USER"] ?? "cli"
    }
}

extension GlobalOptions {
    /// Loads the configuration, opens the store, runs `body`, and closes the store whatever happens.
    func withContext<R: Sendable>(_ body: (CommandContext) async throws -> R) async throws -> R {
        let configuration = try await loadConfiguration()
        let logger = logger()
        let store = try await Bootstrap.openStore(configuration, logger: logger)
        do {
            let result = try await body(CommandContext(configuration: configuration, store: store, logger: logger))
            try await store.database.close()
            return result
        } catch {
            try? await store.database.close()
            throw error
        }
    }
}
