import ArgumentParser
import Domain
import Storage

struct CalendarCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendars",
        abstract: "Keep the business-hours calendars SLA clocks count in.",
        discussion: """
        A calendar has an IANA time zone, weekly working intervals (several a day, 24:00 as end of \
        day) and whole-day holidays. SLAs and other commands name a calendar by id or name.
        """,
        subcommands: [Create.self, Update.self, List.self, Show.self]
    )

    struct Fields: ParsableArguments {
        @Option(name: .long, help: "A unique name (required to create).") var name: String?
        @Option(name: .customLong("time-zone"), help: "IANA time zone such as Europe/Berlin (required to create).") var timeZone: String?
        @Option(name: .long, help: "Working hours such as \"mon-fri 09:00-12:00,13:00-17:00\" (repeatable; required to create; on update replaces all).")
        var hours: [String] = []
        @Option(name: .long, help: "A holiday, YYYY-MM-DD[:Name] (repeatable; on update replaces all).") var holiday: [String] = []

        var fields: FieldMap {
            FieldMap([
                "name": name, "time-zone": timeZone, "hours": hours.isEmpty ? nil : hours.joined(separator: ";"),
                "holidays": holiday.isEmpty ? nil : holiday.joined(separator: ";"),
            ].compactMapValues { $0 })
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a business calendar.",
            discussion: """
            Examples:
              itsm calendars create --name Office --time-zone Europe/Berlin --hours "mon-fri 09:00-17:00" --holiday 2026-12-25:Christmas
              itsm calendars create --name "24x7" --time-zone UTC --hours "mon-sun 00:00-24:00" --json
            """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var values: Fields
        @Flag(name: .long, help: "Print the new calendar as JSON.") var json = false

        func run() async throws {
            try await reportingRecordFailures {
                let calendar = try CalendarFields.calendar(values.fields)
                try await global.withContext { context in
                    let created = try await context.store.calendars.create(calendar)
                    if json { return try printJSON(created) }
                    print("Created calendar \(created.id.map(String.init) ?? "?") (\(created.name)).")
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a business calendar; --hours and --holiday replace the whole set.",
            discussion: """
            Examples:
              itsm calendars update Office --hours "mon-thu 08:00-17:00" --hours "fri 08:00-14:00"
              itsm calendars update 1 --add-holiday 2026-12-31:"New Year's Eve"
            """
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The calendar's id or name.") var id: String
        @OptionGroup var values: Fields
        @Option(name: .customLong("add-holiday"), help: "Add a holiday, YYYY-MM-DD[:Name] (repeatable).") var addHoliday: [String] = []
        @Flag(name: .customLong("clear-holidays"), help: "Remove every holiday.") var clearHolidays = false
        @Flag(name: .long, help: "Print the calendar as JSON.") var json = false

        func validate() throws {
            if values.fields.isEmpty, addHoliday.isEmpty, !clearHolidays { throw ValidationError("give at least one field to change (see --help)") }
        }

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let stored = try await context.store.calendars.get(try await References(store: context.store).calendar(id, field: "ID"))
                    var fields = values.fields
                    if clearHolidays { fields["holidays"] = "" }
                    if !addHoliday.isEmpty {
                        let kept = fields.text("holidays") ?? stored.holidays.map { "\($0.date):\($0.name)" }.joined(separator: ";")
                        fields["holidays"] = ([kept] + addHoliday).filter { !$0.isEmpty }.joined(separator: ";")
                    }
                    let saved = try await context.store.calendars.save(try CalendarFields.updated(stored, with: fields), replacing: stored)
                    if json { return try printJSON(saved) }
                    print("Updated calendar \(saved.id.map(String.init) ?? "?") (\(saved.name)).")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the business calendars.", discussion: "Examples:\n  itsm calendars list\n  itsm calendars list --json"
        )
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Print JSON for scripts.") var json = false

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let calendars = try await context.store.calendars.list()
                    if json { return try printJSON(calendars) }
                    var table = Table("ID", "NAME", "TIME ZONE", "HOLIDAYS", "HOURS")
                    for calendar in calendars {
                        table.add(calendar.id.map(String.init), calendar.name, calendar.timeZoneIdentifier, String(calendar.holidays.count), hoursText(calendar).joined(separator: "; "))
                    }
                    table.print(emptyMessage: "No calendars.")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a business calendar: zone, hours per day, holidays.",
            discussion: "Examples:\n  itsm calendars show Office\n  itsm calendars show 1 --json"
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The calendar's id or name.") var id: String
        @Flag(name: .long, help: "Print JSON for scripts.") var json = false

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let calendar = try await context.store.calendars.get(try await References(store: context.store).calendar(id, field: "ID"))
                    if json { return try printJSON(calendar) }
                    printDetails([("id", calendar.id.map(String.init)), ("name", calendar.name), ("time zone", calendar.timeZoneIdentifier)]
                        + hoursText(calendar).map { ("hours", $0) }
                        + calendar.holidays.map { ("holiday", "\($0.date) \($0.name)") })
                }
            }
        }
    }
}

/// `mon-fri 09:00-17:00`: runs of consecutive days with the same hours, in week order.
private func hoursText(_ calendar: BusinessCalendar) -> [String] {
    var runs: [(first: Weekday, last: Weekday, hours: [WorkingInterval])] = []
    for day in Weekday.allCases {
        guard let hours = calendar.weeklyHours[day] else { continue }
        if let last = runs.last, last.hours == hours, last.last.rawValue + 1 == day.rawValue {
            runs[runs.count - 1].last = day
        } else {
            runs.append((day, day, hours))
        }
    }
    return runs.map { run in
        (run.first == run.last ? run.first.shortName : "\(run.first.shortName)-\(run.last.shortName)") + " "
            + run.hours.map(\.description).joined(separator: ",")
    }
}
