import Domain

/// One record for scripts: its kind's fields beside `id`, `version`, `state`, `openedAt` and,
/// for `show`, the event history. Instants are ISO 8601 UTC text.
struct RecordJSON<Record: CommandRecord>: Encodable {
    var record: Record
    var names: ReferenceNames
    var withEvents: Bool

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        try container.encode(record.id, forKey: JSONKey("id"))
        try container.encode(record.version, forKey: JSONKey("version"))
        try container.encode(record.currentState.rawValue, forKey: JSONKey("state"))
        try container.encode(record.openedAt.iso8601, forKey: JSONKey("openedAt"))
        for (key, value) in record.fields(names) { try container.encode(value, forKey: JSONKey(key)) }
        if withEvents { try container.encode(record.events.map(EventJSON.init), forKey: JSONKey("events")) }
    }
}

/// A JSON value whose null stays in the output (synthesised `Encodable` would drop the key).
enum JSONValue: Encodable {
    case text(String?)
    case integer(Int64?)
    case number(Double?)
    case bool(Bool)
    case list([JSONValue])
    case object([(String, JSONValue)])

    static func instant(_ value: Instant?) -> JSONValue { .text(value?.iso8601) }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case let .text(value): var c = encoder.singleValueContainer(); try c.encode(value)
        case let .integer(value): var c = encoder.singleValueContainer(); try c.encode(value)
        case let .number(value): var c = encoder.singleValueContainer(); try c.encode(value)
        case let .bool(value): var c = encoder.singleValueContainer(); try c.encode(value)
        case let .list(values): var c = encoder.unkeyedContainer(); for value in values { try c.encode(value) }
        case let .object(pairs):
            var c = encoder.container(keyedBy: JSONKey.self)
            for (key, value) in pairs { try c.encode(value, forKey: JSONKey(key)) }
        }
    }
}

struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// One audit-trail entry: when, who, what, the states on both sides, and the detail.
struct EventJSON: Encodable {
    var at: String
    var actor: String
    var action: String
    var from: String?
    var to: String?
    var detail: String?

    init<S: RecordState>(_ event: RecordEvent<S>) {
        at = event.at.iso8601
        actor = event.actor
        action = event.action.rawValue
        from = event.from?.rawValue
        to = event.to?.rawValue
        detail = event.detail
    }

    func encode(to encoder: any Encoder) throws {
        // Absent states and details are null, not missing: the shape stays the same for every event.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(actor, forKey: .actor)
        try container.encode(action, forKey: .action)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(detail, forKey: .detail)
    }

    private enum CodingKeys: String, CodingKey { case at, actor, action, from, to, detail }
}

/// Prints the history of a record for people: when, who, what, from -> to, detail.
func printHistory<S: RecordState>(_ events: [RecordEvent<S>]) {
    var table = Table("WHEN (UTC)", "WHO", "WHAT", "FROM -> TO", "DETAIL")
    for event in events {
        let move = event.to.map { to in (event.from.map { "\($0.rawValue) -> " } ?? "-> ") + to.rawValue }
        table.add(event.at.iso8601, event.actor, event.action.rawValue, move, event.detail)
    }
    print("")
    print("History:")
    table.print(emptyMessage: "(no events)")
}

/// Prints labelled values one a line, labels aligned; absent values show as "-".
func printDetails(_ details: [(String, String?)]) {
    let width = details.map(\.0.count).max() ?? 0
    for (label, value) in details {
        print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Table.oneLine(value ?? "-"))
    }
}
