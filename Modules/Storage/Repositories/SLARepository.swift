import Domain
import SQLKit

/// Service level agreements and their per-priority targets.
public struct SLARepository: Sendable {
    let database: Database

    public func create(_ sla: ServiceLevelAgreement) async throws -> ServiceLevelAgreement {
        do {
            let id = try await database.transaction { db in
                guard try await db.select().column("id").from("calendars").where("id", .equal, SQLBind(sla.calendarID)).first() != nil else {
                    throw StorageError.missingReference(field: "calendarID", id: sla.calendarID)
                }
                let row = try await db.insert(into: "slas")
                    .columns("name", "calendar_id", "warning_threshold")
                    .values(SQLBind(sla.name), SQLBind(sla.calendarID), SQLBind(sla.warningThreshold))
                    .returning("id").first()
                let id = try row?.int64("id") ?? 0
                try await Self.insertTargets(of: sla, id: id, on: db)
                return id
            }
            return try await get(id)
        } catch where error.isUniqueViolation {
            throw StorageError.duplicate(record: "sla", field: "name", value: sla.name)
        }
    }

    /// Writes `sla` over the stored one if that still equals `previous` (as it was read), targets
    /// included: the table has no version column, so the stored values are the version. Otherwise
    /// `StorageError.concurrentUpdate`, and nothing is written.
    public func save(_ sla: ServiceLevelAgreement, replacing previous: ServiceLevelAgreement) async throws -> ServiceLevelAgreement {
        guard let id = previous.id else { throw StorageError.notFound(record: "sla", id: 0) }
        do {
            try await database.transaction { db in
                guard let current = try await Self.select(where: { $0.where("id", .equal, SQLBind(id)) }, on: db).first else {
                    throw StorageError.notFound(record: "sla", id: id)
                }
                guard current == previous else { throw StorageError.concurrentUpdate(record: "sla", id: id) }
                guard try await db.select().column("id").from("calendars").where("id", .equal, SQLBind(sla.calendarID)).first() != nil else {
                    throw StorageError.missingReference(field: "calendarID", id: sla.calendarID)
                }
                let rows = try await db.update("slas")
                    .set("name", to: SQLBind(sla.name)).set("calendar_id", to: SQLBind(sla.calendarID))
                    .set("warning_threshold", to: SQLBind(sla.warningThreshold))
                    .where("id", .equal, SQLBind(id))
                    .where("name", .equal, SQLBind(previous.name)).where("calendar_id", .equal, SQLBind(previous.calendarID))
                    .returning("id").all()
                if rows.isEmpty { throw StorageError.concurrentUpdate(record: "sla", id: id) }
                try await db.delete(from: "sla_targets").where("sla_id", .equal, SQLBind(id)).run()
                try await Self.insertTargets(of: sla, id: id, on: db)
            }
        } catch where error.isUniqueViolation {
            throw StorageError.duplicate(record: "sla", field: "name", value: sla.name)
        }
        return try await get(id)
    }

    private static func insertTargets(of sla: ServiceLevelAgreement, id: Int64, on db: any SQLDatabase) async throws {
        var insert = db.insert(into: "sla_targets").columns("sla_id", "priority", "response_s", "resolution_s")
        for (priority, target) in sla.targets.sorted(by: { $0.key < $1.key }) {
            insert = insert.values(
                SQLBind(id), SQLBind(Int64(priority.rawValue)),
                SQLBind(target.response.components.seconds), SQLBind(target.resolution.components.seconds)
            )
        }
        try await insert.run()
    }

    public func get(_ id: Int64) async throws -> ServiceLevelAgreement {
        guard let sla = try await list(where: { $0.where("id", .equal, SQLBind(id)) }).first else {
            throw StorageError.notFound(record: "sla", id: id)
        }
        return sla
    }

    public func named(_ name: String) async throws -> ServiceLevelAgreement? {
        try await list(where: { $0.where("name", .equal, SQLBind(name)) }).first
    }

    public func list() async throws -> [ServiceLevelAgreement] { try await list(where: { $0 }) }

    private func list(where filter: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> [ServiceLevelAgreement] {
        try await database.withSession { db in try await Self.select(where: filter, on: db) }
    }

    private static func select(where filter: (SQLSelectBuilder) -> SQLSelectBuilder, on db: any SQLDatabase) async throws -> [ServiceLevelAgreement] {
        let rows = try await filter(db.select().column("*").from("slas")).orderBy("id").all()
        let ids = try rows.map { try $0.int64("id") }
        var targets: [Int64: [Priority: SLATarget]] = [:]
        if !ids.isEmpty {
            for row in try await db.select().column("*").from("sla_targets").where("sla_id", .in, SQLBind.group(ids)).all() {
                let priority = try row.priority("priority", table: "sla_targets")
                do {
                    targets[try row.int64("sla_id"), default: [:]][priority] = try SLATarget(
                        response: .seconds(try row.int64("response_s")), resolution: .seconds(try row.int64("resolution_s"))
                    )
                } catch let error as DomainError {
                    throw StorageError.corruptRow(table: "sla_targets", column: "response_s", value: "\(error)")
                }
            }
        }
        return try rows.map { row in
            let id = try row.int64("id")
            do {
                return try ServiceLevelAgreement(
                    id: id, name: try row.string("name"), calendarID: try row.int64("calendar_id"),
                    targets: targets[id] ?? [:], warningThreshold: try row.double("warning_threshold")
                )
            } catch let error as DomainError {
                throw StorageError.corruptRow(table: "slas", column: "id", value: "\(id): \(error)")
            }
        }
    }
}
