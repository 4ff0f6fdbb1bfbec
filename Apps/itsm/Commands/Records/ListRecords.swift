import ArgumentParser
import Domain
import Storage

struct ListRecords<Record: CommandRecord>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        var examples = ["itsm \(Record.plural) list", "itsm \(Record.plural) list --state \(Record.State.allCases.first?.rawValue ?? "new") --limit 20"]
        if Record.filtersByService { examples.append("itsm \(Record.plural) list --service Mail --opened-since 2026-11-01 --json") }
        if Record.filtersByPriority { examples.append("itsm \(Record.plural) list --priority P1 --opened-until 2026-11-30 --time-zone Europe/Berlin") }
        return CommandConfiguration(
            commandName: "list", abstract: "List \(Record.plural), oldest first.",
            discussion: """
            States: \(Record.State.allCases.map(\.rawValue).joined(separator: ", ")).
            --opened-since and --opened-until take a date (a whole day on the --time-zone clock, \
            UTC by default; until includes that day) or an ISO 8601 instant (until excludes it).

            Examples:
            """ + examples.map { "\n  " + $0 }.joined()
        )
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Only records in this state (repeatable, or comma-separated).")
    var state: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only records of this service (id or name).", visibility: Record.filtersByService ? .default : .private))
    var service: String?

    @Option(name: .long, help: ArgumentHelp("Only records of this priority (P1..P4).", visibility: Record.filtersByPriority ? .default : .private))
    var priority: String?

    @Option(name: .customLong("opened-since"), help: "Only records opened at or after this date or instant.")
    var openedSince: String?

    @Option(name: .customLong("opened-until"), help: "Only records opened before this instant, or on or before this date.")
    var openedUntil: String?

    @Option(name: .customLong("time-zone"), help: "The IANA time zone of the dates given (default UTC).")
    var timeZone: String?

    @Option(name: .long, help: "At most this many records.")
    var limit: Int?

    @Flag(name: .long, help: "Print JSON for scripts (an array; instants as ISO 8601 UTC).")
    var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit: expected a positive number, got \(limit)") }
        if service != nil, !Record.filtersByService { throw ValidationError("--service: \(Record.plural) are not filtered by service") }
        if priority != nil, !Record.filtersByPriority { throw ValidationError("--priority: \(Record.plural) have no priority") }
    }

    func run() async throws {
        try await reportingRecordFailures {
            var filter = RecordFilter<Record.State>(limit: limit)
            let fields = FieldMap(["state": state.joined(separator: ","), "priority": priority, "time-zone": timeZone].compactMapValues { $0 })
            if !state.isEmpty { filter.states = Set(try states(fields)) }
            filter.priority = try fields.priority("priority")
            filter.openedIn = try openedRange()
            try await global.withContext { context in
                if let service { filter.serviceID = try await References(store: context.store).serviceID(service) }
                let records = try await Record.list(filter, from: context.store)
                let names = try await ReferenceNames.load(context.store)
                if json { return try printJSON(records.map { RecordJSON(record: $0, names: names, withEvents: false) }) }
                var table = Table(Record.columns.first ?? "ID")
                table.headers = Record.columns
                for record in records { table.rows.append(record.row(names).map { $0 ?? "-" }) }
                table.print(emptyMessage: "No \(Record.plural) match.")
            }
        }
    }

    private func states(_ fields: FieldMap) throws(DomainError) -> [Record.State] {
        try (fields.list("state", separators: [","]) ?? []).map { raw throws(DomainError) in
            guard let state = Record.State(rawValue: raw.lowercased()) else {
                throw .invalidField(field: "state", value: raw, expected: "one of " + Record.State.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return state
        }
    }

    /// The opening period the two bounds give; a bound not given is open.
    private func openedRange() throws(DomainError) -> Range<Instant>? {
        guard openedSince != nil || openedUntil != nil else { return nil }
        let lower = try openedSince.map { text throws(DomainError) in try bound(text, field: "opened-since", endOfDay: false) }
        let upper = try openedUntil.map { text throws(DomainError) in try bound(text, field: "opened-until", endOfDay: true) }
        let start = lower ?? Instant(microsecondsSinceEpoch: .min), end = upper ?? Instant(microsecondsSinceEpoch: .max)
        guard start <= end else {
            throw .invalidField(field: "opened-until", value: openedUntil ?? "", expected: "a time after --opened-since (\(start.iso8601))")
        }
        return start..<end
    }

    private func bound(_ text: String, field: String, endOfDay: Bool) throws(DomainError) -> Instant {
        try TimeText.bound(text, field: field, zone: timeZone, endOfDay: endOfDay)
    }
}

/// One named state move on a record (`itsm incidents resolve 7 --note ...`).
protocol RecordMove {
    associatedtype Record: CommandRecord
    static var name: String { get }
    static var abstract: String { get }
    /// What `--note` means for this move, or nil when it takes none.
    static var note: String? { get }
    static func apply(_ record: inout Record, note: String?, at: Instant, by actor: String) throws(DomainError)
}

extension RecordMove {
    static var note: String? { "A note for the audit trail." }
}

/// Records whose lifecycle moves all go through `move(to:at:by:note:)`.
protocol MovableRecord: CommandRecord {
    mutating func move(to next: State, at: Instant, by actor: String, note: String?) throws(DomainError)
}

extension Problem: MovableRecord {}
extension ServiceRequest: MovableRecord {}
extension Improvement: MovableRecord {}

/// A move straight to one state (`itsm problems resolve 2`).
protocol TargetMove: RecordMove where Record: MovableRecord {
    static var target: Record.State { get }
}

extension TargetMove {
    static func apply(_ record: inout Record, note: String?, at: Instant, by actor: String) throws(DomainError) {
        try record.move(to: target, at: at, by: actor, note: note)
    }
}

struct MoveRecord<Move: RecordMove>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Move.name, abstract: Move.abstract,
            discussion: "Examples:\n  itsm \(Move.Record.plural) \(Move.name) 1\n  itsm \(Move.Record.plural) \(Move.name) 1 "
                + (Move.note == nil ? "--operator alice --json" : "--note \"...\" --operator alice")
        )
    }

    @OptionGroup var action: RecordAction

    @Option(name: .long, help: ArgumentHelp(Move.note ?? "", visibility: Move.note == nil ? .private : .default))
    var note: String?

    func validate() throws {
        if note != nil, Move.note == nil { throw ValidationError("--note: \(Move.name) takes no note") }
    }

    func run() async throws {
        let note = note
        try await action.perform(on: Move.Record.self) { record, _, at, actor in
            try Move.apply(&record, note: note, at: at, by: actor)
        }
    }
}
