import Domain
import Foundation
import Logging
import Storage

/// What both apps do first: open the configured database and bring its schema up to date.
public enum Bootstrap {
    public static func openStore(_ configuration: ITSMConfiguration, logger: Logger, now: Instant = Instant(Date())) async throws -> Store {
        let (store, applied) = try await Store.open(configuration.database, now: now, logger: logger)
        if !applied.isEmpty {
            logger.info("applied schema migrations", metadata: [
                "versions": .string(applied.map(String.init).joined(separator: ",")),
                "database": .string(configuration.database.description),
            ])
        }
        return store
    }
}
