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
