import Domain
import Logging

/// Every repository over one open database: what the apps and other modules hold.
public struct Store: Sendable {
    public let database: Database
    public var services: ServiceRepository { ServiceRepository(store: RecordStore(database: database)) }
    public var incidents: IncidentRepository { IncidentRepository(store: RecordStore(database: database)) }
    public var problems: ProblemRepository { ProblemRepository(store: RecordStore(database: database)) }
    public var changes: ChangeRepository { ChangeRepository(store: RecordStore(database: database)) }
    public var requests: RequestRepository { RequestRepository(store: RecordStore(database: database)) }
    public var improvements: ImprovementRepository { ImprovementRepository(store: RecordStore(database: database)) }
    public var calendars: CalendarRepository { CalendarRepository(database: database) }
    public var slas: SLARepository { SLARepository(database: database) }
    public var freezes: FreezeWindowRepository { FreezeWindowRepository(database: database) }
    public var mailingLists: MailingListRepository { MailingListRepository(database: database) }
    public var subscriptions: SubscriptionRepository { SubscriptionRepository(database: database) }
    public var consent: ConsentRepository { ConsentRepository(database: database) }
    public var suppressions: SuppressionRepository { SuppressionRepository(database: database) }

    public init(database: Database) {
        self.database = database
    }

    /// Opens the database and brings its schema up to date (refusing a schema newer than this binary).
    public static func open(_ location: DatabaseLocation, now: Instant, logger: Logger) async throws -> (store: Store, applied: [Int]) {
        let database = try await Database.open(location, logger: logger)
        do {
            let applied = try await Migrator(database: database).migrate(now: now)
            return (Store(database: database), applied)
        } catch {
            try? await database.close()
            throw error
        }
    }
}
