import Domain
import Storage

/// Business calendars and SLAs built from, or edited with, a `FieldMap` (see `RecordFields`).
///
/// Field names: calendar `name time-zone hours holidays`; SLA `name calendar targets warning`.
/// `hours` holds entries like `mon-fri 09:00-12:00,13:00-17:00` separated by `;`, `holidays`
/// dates like `2026-12-25:Christmas Day`, `targets` entries like `P1=1h/4h`.
enum CalendarFields {
    static func calendar(_ fields: FieldMap, id: Int64? = nil) throws(DomainError) -> BusinessCalendar {
        try BusinessCalendar(
            id: id, name: try fields.required("name"), timeZoneIdentifier: try fields.required("time-zone").trimmingCharacters(in: .whitespaces),
            weeklyHours: try hours(fields.list("hours") ?? []), holidays: try holidays(fields.list("holidays") ?? [])
        )
    }

    /// The calendar with the given fields replaced (`hours` and `holidays` replace the whole set).
    static func updated(_ calendar: BusinessCalendar, with fields: FieldMap) throws(DomainError) -> BusinessCalendar {
        var merged = FieldMap([
            "name": calendar.name, "time-zone": calendar.timeZoneIdentifier,
            "hours": Weekday.allCases.compactMap { day in
                calendar.weeklyHours[day].map { "\(day.shortName) " + $0.map(\.description).joined(separator: ",") }
            }.joined(separator: ";"),
            "holidays": calendar.holidays.map { "\($0.date):\($0.name)" }.joined(separator: ";"),
        ])
        for (field, value) in fields.values { merged[field] = value }
        return try Self.calendar(merged, id: calendar.id)
    }

    /// `mon-fri 09:00-17:00`, `sat 10:00-14:00`, `mon,wed 08:00-12:00,13:00-17:00`.
    static func hours(_ entries: [String]) throws(DomainError) -> [Weekday: [WorkingInterval]] {
        let expected = "days and intervals such as 'mon-fri 09:00-17:00' or 'sat 10:00-12:00,13:00-15:00'"
        var result: [Weekday: [WorkingInterval]] = [:]
        for entry in entries {
            let parts = entry.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { throw .invalidField(field: "hours", value: entry, expected: expected) }
            var days: [Weekday] = []
            for item in parts[0].split(separator: ",") {
                let ends = item.split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(ends.count), let first = Weekday(exactName: ends[0]), let last = Weekday(exactName: ends[ends.count - 1]),
                      first.rawValue <= last.rawValue else {
                    throw .invalidField(field: "hours", value: entry, expected: expected)
                }
                days += Weekday.allCases.filter { (first.rawValue...last.rawValue).contains($0.rawValue) }
            }
            var intervals: [WorkingInterval] = []
            for text in parts[1].split(separator: ",") {
                do { intervals.append(try WorkingInterval(parsing: String(text))) } catch {
                    throw .invalidField(field: "hours", value: entry, expected: expected)
                }
            }
            for day in days { result[day, default: []] += intervals }
        }
        return result
    }

    /// `2026-12-25` or `2026-12-25:Christmas Day`.
    static func holidays(_ entries: [String]) throws(DomainError) -> [Holiday] {
        try entries.map { entry throws(DomainError) in
            let date = entry.prefix(10), name = entry.dropFirst(10)
            guard let civil = CivilDate(String(date)), name.isEmpty || name.hasPrefix(":") else {
                throw .invalidField(field: "holiday", value: entry, expected: "a date YYYY-MM-DD, optionally followed by :Name")
            }
            let title = name.dropFirst().trimmingCharacters(in: .whitespaces)
            return Holiday(date: civil, name: title.isEmpty ? "Holiday" : title)
        }
    }

    // MARK: SLAs

    static func sla(_ fields: FieldMap, references: References, id: Int64? = nil) async throws -> ServiceLevelAgreement {
        let calendarID = try await references.calendar(try fields.required("calendar"))
        return try ServiceLevelAgreement(
            id: id, name: try fields.required("name"), calendarID: calendarID, targets: try targets(fields.list("targets") ?? []),
            warningThreshold: try fields.number("warning") ?? 0.75
        )
    }

    /// The SLA with the given fields replaced (`targets` replaces every target).
    static func updated(_ sla: ServiceLevelAgreement, with fields: FieldMap, references: References) async throws -> ServiceLevelAgreement {
        var merged = FieldMap([
            "name": sla.name, "calendar": String(sla.calendarID), "warning": String(sla.warningThreshold),
            "targets": sla.targets.sorted { $0.key < $1.key }.map { targetText($0.key, $0.value) }.joined(separator: ";"),
        ])
        for (field, value) in fields.values { merged[field] = value }
        return try await self.sla(merged, references: references, id: sla.id)
    }

    /// `P1=1h/4h`: response then resolution target, in business time.
    static func targets(_ entries: [String]) throws(DomainError) -> [Priority: SLATarget] {
        var result: [Priority: SLATarget] = [:]
        for entry in entries {
            let sides = entry.split(separator: "=", omittingEmptySubsequences: false)
            let times = sides.count == 2 ? sides[1].split(separator: "/", omittingEmptySubsequences: false) : []
            guard times.count == 2, let priority = try? Priority(parsing: String(sides[0])) else {
                throw .invalidField(field: "target", value: entry, expected: "PRIORITY=RESPONSE/RESOLUTION such as P1=1h/4h")
            }
            guard result[priority] == nil else { throw .invalidField(field: "target", value: entry, expected: "one target per priority") }
            result[priority] = try SLATarget(
                response: try TimeText.duration(String(times[0]), field: "target"), resolution: try TimeText.duration(String(times[1]), field: "target")
            )
        }
        return result
    }

    static func targetText(_ priority: Priority, _ target: SLATarget) -> String {
        "\(priority)=\(TimeText.text(target.response))/\(TimeText.text(target.resolution))"
    }
}

private extension Weekday {
    /// `mon` or `monday`, nothing looser (the domain's parser takes any prefix of three letters).
    init?(exactName: Substring) {
        let name = exactName.lowercased()
        guard let day = Weekday(name: name), name == day.shortName || name == day.longName else { return nil }
        self = day
    }

    var longName: String {
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][rawValue - 1]
    }
}
