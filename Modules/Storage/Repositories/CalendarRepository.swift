import Domain
import SQLKit

/// Business-hours calendars.
public struct CalendarRepository: Sendable {
    let database: Database

    public func create(_ calendar: BusinessCalendar) async throws -> BusinessCalendar {
        let hours = Self.encodeHours(calendar.weeklyHours)
        let holidays = try jsonText(calendar.holidays)
        do {
            let id = try await database.transaction { db in
                let row = try await db.insert(into: "calendars")
                    .columns("name", "time_zone", "weekly_hours", "holidays")
                    .values(SQLBind(calendar.name), SQLBind(calendar.timeZoneIdentifier), SQLBind(hours), SQLBind(holidays))
                    .returning("id").first()
                return try row?.int64("id") ?? 0
            }
            return try await get(id)
        } catch where error.isUniqueViolation {
            throw StorageError.duplicate(record: "calendar", field: "name", value: calendar.name)
        }
    }

    /// Writes `calendar` over the stored row if that row still holds `previous` (as it was read):
    /// the table has no version column, so the row itself is the version. Otherwise
    /// `StorageError.concurrentUpdate`, and nothing is written.
    public func save(_ calendar: BusinessCalendar, replacing previous: BusinessCalendar) async throws -> BusinessCalendar {
        guard let id = previous.id else { throw StorageError.notFound(record: "calendar", id: 0) }
        do {
            try await database.transaction { db in
                let rows = try await db.update("calendars")
                    .set("name", to: SQLBind(calendar.name)).set("time_zone", to: SQLBind(calendar.timeZoneIdentifier))
                    .set("weekly_hours", to: SQLBind(Self.encodeHours(calendar.weeklyHours)))
                    .set("holidays", to: SQLBind(try jsonText(calendar.holidays)))
                    .where("id", .equal, SQLBind(id))
                    .where("name", .equal, SQLBind(previous.name)).where("time_zone", .equal, SQLBind(previous.timeZoneIdentifier))
                    .where("weekly_hours", .equal, SQLBind(Self.encodeHours(previous.weeklyHours)))
                    .where("holidays", .equal, SQLBind(try jsonText(previous.holidays)))
                    .returning("id").all()
                if rows.isEmpty {
                    let exists = try await db.select().column("id").from("calendars").where("id", .equal, SQLBind(id)).first() != nil
                    throw exists ? StorageError.concurrentUpdate(record: "calendar", id: id) : StorageError.notFound(record: "calendar", id: id)
                }
            }
        } catch where error.isUniqueViolation {
            throw StorageError.duplicate(record: "calendar", field: "name", value: calendar.name)
        }
        return try await get(id)
    }

    public func get(_ id: Int64) async throws -> BusinessCalendar {
        guard let calendar = try await list(where: { $0.where("id", .equal, SQLBind(id)) }).first else {
            throw StorageError.notFound(record: "calendar", id: id)
        }
        return calendar
    }

    public func named(_ name: String) async throws -> BusinessCalendar? {
        try await list(where: { $0.where("name", .equal, SQLBind(name)) }).first
    }

    public func list() async throws -> [BusinessCalendar] { try await list(where: { $0 }) }

    private func list(where filter: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> [BusinessCalendar] {
        try await database.withSession { db in
            try await filter(db.select().column("*").from("calendars")).orderBy("id").all().map(Self.decode)
        }
    }

    static func decode(_ row: any SQLRow) throws -> BusinessCalendar {
        let raw = try row.json("weekly_hours", table: "calendars", as: [String: [String]].self)
        var hours: [Weekday: [WorkingInterval]] = [:]
        for (day, intervals) in raw {
            guard let weekday = Weekday(name: day) else { throw StorageError.corruptRow(table: "calendars", column: "weekly_hours", value: day) }
            hours[weekday] = try intervals.map { text in
                do { return try WorkingInterval(parsing: text) } catch {
                    throw StorageError.corruptRow(table: "calendars", column: "weekly_hours", value: text)
                }
            }
        }
        let name = try row.string("name")
        do {
            return try BusinessCalendar(
                id: try row.int64("id"), name: name, timeZoneIdentifier: try row.string("time_zone"), weeklyHours: hours,
                holidays: try row.json("holidays", table: "calendars", as: [Holiday].self)
            )
        } catch let error as DomainError {
            throw StorageError.corruptRow(table: "calendars", column: "name", value: "\(name): \(error)")
        }
    }

    static func encodeHours(_ hours: [Weekday: [WorkingInterval]]) -> String {
        // Written by hand so that the keys are the readable short day names, in week order.
        Weekday.allCases.compactMap { day -> String? in
            guard let intervals = hours[day], !intervals.isEmpty else { return nil }
            return "\"\(day.shortName)\":[" + intervals.map { "\"\($0.description)\"" }.joined(separator: ",") + "]"
        }
        .joined(separator: ",")
        .wrapped
    }
}

private extension String {
    var wrapped: String { "{" + self + "}" }
}
