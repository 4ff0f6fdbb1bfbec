import Domain
import SQLKit

/// Change freezes (blackout periods) on the change calendar.
public struct FreezeWindowRepository: Sendable {
    let database: Database

    public func create(_ freeze: FreezeWindow) async throws -> FreezeWindow {
        let services = try jsonText(freeze.serviceIDs)
        let id = try await database.transaction { db in
            for serviceID in freeze.serviceIDs {
                guard try await db.select().column("id").from("services").where("id", .equal, SQLBind(serviceID)).first() != nil else {
                    throw StorageError.missingReference(field: "serviceIDs", id: serviceID)
                }
            }
            let row = try await db.insert(into: "freeze_windows")
                .columns("name", "start_us", "end_us", "service_ids")
                .values(SQLBind(freeze.name), SQLBind(freeze.start.microsecondsSinceEpoch), SQLBind(freeze.end.microsecondsSinceEpoch), SQLBind(services))
                .returning("id").first()
            return try row?.int64("id") ?? 0
        }
        var stored = freeze
        stored.id = id
        return stored
    }

    /// Freezes overlapping `period`.
    public func overlapping(_ period: Range<Instant>) async throws -> [FreezeWindow] {
        try await database.withSession { db in
            try await db.select().column("*").from("freeze_windows")
                .where("start_us", .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
                .where("end_us", .greaterThan, SQLBind(period.lowerBound.microsecondsSinceEpoch))
                .orderBy("start_us").all()
                .map { row in
                    do {
                        return try FreezeWindow(
                            id: try row.int64("id"), name: try row.string("name"), start: try row.instant("start_us"),
                            end: try row.instant("end_us"), serviceIDs: try row.json("service_ids", table: "freeze_windows", as: [Int64].self)
                        )
                    } catch let error as DomainError {
                        throw StorageError.corruptRow(table: "freeze_windows", column: "end_us", value: "\(error)")
                    }
                }
        }
    }
}
