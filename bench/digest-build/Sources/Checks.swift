import Domain
import SQLKit

/// The comparisons `verify` makes, with tallies of what the sample looks like.
struct Checks {
    let end: Instant
    private(set) var failures: [String] = []
    private(set) var checked = 0
    private var tally: [String: Int] = [:]

    init(end: Instant) { self.end = end }

    mutating func equal<T: Equatable>(_ what: String, _ column: T, _ domain: T) {
        checked += 1
        if column != domain { failures.append("\(what): column \(column) but domain \(domain)") }
    }

    mutating func expect(_ what: String, _ condition: Bool) {
        checked += 1
        if !condition { failures.append(what) }
    }

    private mutating func count(_ key: String, _ condition: Bool = true) { if condition { tally[key, default: 0] += 1 } }

    /// The trail replays through the state machine: each move starts where the last one ended,
    /// is legal, happens no earlier than the event before it, and ends in the record's state.
    mutating func replay<S: RecordState>(_ what: String, _ events: [RecordEvent<S>], state: S) {
        var current: S?
        var previous = Instant(microsecondsSinceEpoch: .min)
        var problems: [String] = []
        for (index, event) in events.enumerated() {
            if event.at < previous { problems.append("event \(index) at \(event.at) before \(previous)") }
            if event.at >= end { problems.append("event \(index) at \(event.at) not before the end") }
            previous = event.at
            guard let to = event.to else { continue }
            if index == 0 {
                if event.action != .created { problems.append("first event is \(event.action.rawValue)") }
            } else if let from = current {
                if event.from != from { problems.append("event \(index) from \(event.from?.rawValue ?? "nil") but state was \(from.rawValue)") }
                do { _ = try from.move(to: to) } catch { problems.append("event \(index): \(error)") }
            }
            current = to
        }
        if current != state { problems.append("trail ends in \(current?.rawValue ?? "nil"), column says \(state.rawValue)") }
        expect("\(what): \(problems.joined(separator: "; "))", problems.isEmpty)
    }

    mutating func incident(
        _ incident: Incident, row: any SQLRow, services: [Int64: Service], slas: [Int64: ServiceLevelAgreement],
        calendars: [Int64: BusinessCalendar], tables: [Int64: WorkingTime]
    ) throws {
        let what = "incident \(incident.id!)"
        replay(what, incident.events, state: incident.state)
        equal("\(what) state", try row.decode(column: "state", as: String.self), incident.state.rawValue)
        equal("\(what) opened_at_us", try row.decode(column: "opened_at_us", as: Int64.self), incident.openedAt.microsecondsSinceEpoch)
        equal("\(what) first_response_at_us", try row.decode(column: "first_response_at_us", as: Int64?.self), incident.firstResponseAt?.microsecondsSinceEpoch)
        equal("\(what) resolved_at_us", try row.decode(column: "resolved_at_us", as: Int64?.self), incident.resolvedAt?.microsecondsSinceEpoch)
        equal("\(what) closed_at_us", try row.decode(column: "closed_at_us", as: Int64?.self), incident.closedAt?.microsecondsSinceEpoch)
        equal("\(what) priority", incident.priority, PriorityMatrix.itil.priority(impact: incident.impact, urgency: incident.urgency))
        let pauses = incident.pauses(until: end)
        equal("\(what) pauses", pauses.count, incident.events.filter { $0.to == .onHold }.count)
        if incident.state == .onHold { expect("\(what) on hold: the last pause runs to the end", pauses.last?.upperBound == end) }
        if incident.resolvedAt != nil { expect("\(what) resolved after the first response", incident.firstResponseAt.map { $0 <= incident.resolvedAt! } ?? false) }
        count("incidents")
        count("incidents open", incident.state.isOpen)
        count("incidents on hold now", incident.state == .onHold)
        count("incidents with a hold", !pauses.isEmpty)
        count("incidents reopened", incident.reopenCount > 0)
        count("incidents first-contact resolved", incident.isFirstContactResolution)
        count("incidents major", incident.isMajor)
        count("incidents linked to a problem", incident.problemID != nil)

        // The SLA clock, as the digest will compute it: business time on the SLA's calendar.
        guard let serviceID = incident.serviceID, let slaID = services[serviceID]?.slaID, let sla = slas[slaID],
              let calendar = calendars[sla.calendarID], let clocks = try sla.clocks(for: incident.priority, calendar: calendar) else {
            count("incidents without an SLA target")
            return
        }
        let table = tables[sla.calendarID]!
        func tableTime(_ from: Instant, _ to: Instant) -> Int64 {
            let total = table.between(from.microsecondsSinceEpoch, to.microsecondsSinceEpoch)
            return total - pauses.reduce(0) { sum, pause in
                let lower = max(pause.lowerBound, from), upper = min(pause.upperBound, to)
                return sum + table.between(lower.microsecondsSinceEpoch, upper.microsecondsSinceEpoch)
            }
        }
        if let responded = incident.firstResponseAt {
            let elapsed = clocks.response.elapsed(from: incident.openedAt, to: responded, pauses: pauses)
            equal("\(what) response business time (generator table vs SLA clock)", tableTime(incident.openedAt, responded), elapsed.microseconds)
            count("response measured")
            count("response within target", clocks.response.status(forElapsed: elapsed) != .breached)
        }
        if let resolved = incident.resolvedAt {
            let elapsed = clocks.resolution.elapsed(from: incident.openedAt, to: resolved, pauses: pauses)
            equal("\(what) resolution business time (generator table vs SLA clock)", tableTime(incident.openedAt, resolved), elapsed.microseconds)
            count("resolution measured")
            count("resolution within target", clocks.resolution.status(forElapsed: elapsed) != .breached)
        }
    }

    mutating func change(_ change: Change, row: any SQLRow) throws {
        let what = "change \(change.id!)"
        replay(what, change.events, state: change.state)
        equal("\(what) requested_at_us", try row.decode(column: "requested_at_us", as: Int64.self), change.requestedAt.microsecondsSinceEpoch)
        equal("\(what) implemented_at_us", try row.decode(column: "implemented_at_us", as: Int64?.self), change.implementedAt?.microsecondsSinceEpoch)
        equal("\(what) votes vs vote events", change.approval.votes.count, change.events.filter { $0.action == .vote }.count)
        let implemented = [.implemented, .reviewed, .closed].contains(change.state)
        expect("\(what) outcome set exactly when implemented", (change.outcome != nil) == implemented)
        if implemented || change.state == .scheduled { expect("\(what) has a window", change.window != nil) }
        if change.type != .standard, [.authorised, .scheduled, .implemented, .reviewed, .closed].contains(change.state) {
            equal("\(what) CAB decision", change.approval.decision, .approved)
        }
        if change.state == .rejected { equal("\(what) CAB decision", change.approval.decision, .rejected) }
        count("changes")
        count("changes \(change.type.rawValue)")
        count("changes \(change.state.rawValue)")
        count("changes \(change.outcome?.rawValue ?? "without outcome")")
        count("changes linked to incidents", !change.incidentIDs.isEmpty)
    }

    mutating func problem(_ problem: Problem, row: any SQLRow) throws {
        let what = "problem \(problem.id!)"
        replay(what, problem.events, state: problem.state)
        equal("\(what) opened_at_us", try row.decode(column: "opened_at_us", as: Int64.self), problem.openedAt.microsecondsSinceEpoch)
        equal("\(what) known_error_at_us", try row.decode(column: "known_error_at_us", as: Int64?.self), problem.knownErrorAt?.microsecondsSinceEpoch)
        equal("\(what) resolved_at_us", try row.decode(column: "resolved_at_us", as: Int64?.self), problem.resolvedAt?.microsecondsSinceEpoch)
        equal("\(what) is_known_error", problem.isKnownError, problem.knownErrorAt != nil)
        count("problems")
        count("problems known errors", problem.isKnownError)
        count("problems \(problem.state.rawValue)")
    }

    mutating func request(_ request: ServiceRequest, row: any SQLRow) throws {
        let what = "request \(request.id!)"
        replay(what, request.events, state: request.state)
        equal("\(what) opened_at_us", try row.decode(column: "opened_at_us", as: Int64.self), request.openedAt.microsecondsSinceEpoch)
        equal("\(what) fulfilled_at_us", try row.decode(column: "fulfilled_at_us", as: Int64?.self), request.fulfilledAt?.microsecondsSinceEpoch)
        count("requests")
        count("requests \(request.state.rawValue)")
    }

    mutating func service(_ service: Service, row: any SQLRow) throws {
        let what = "service \(service.id!)"
        replay(what, service.events, state: service.status)
        equal("\(what) created_at_us", try row.decode(column: "created_at_us", as: Int64.self), service.events.first?.at.microsecondsSinceEpoch)
        equal("\(what) status_since_us", try row.decode(column: "status_since_us", as: Int64.self), service.statusSince?.microsecondsSinceEpoch)
        count("services \(service.status.rawValue)")
        count("services without owner", service.owner == nil)
        count("services without SLA", service.slaID == nil)
    }

    mutating func improvement(_ improvement: Improvement, row: any SQLRow) throws {
        let what = "improvement \(improvement.id!)"
        replay(what, improvement.events, state: improvement.state)
        equal("\(what) current_value", try row.decode(column: "current_value", as: Double.self), improvement.value(asOf: end) ?? improvement.baseline)
        count("improvements \(improvement.state.rawValue)")
    }

    var summary: [String] {
        func share(_ part: String, of whole: String) -> String {
            let total = tally[whole] ?? 0
            return total == 0 ? "-" : String(format: "%.1f%%", 100 * Double(tally[part] ?? 0) / Double(total))
        }
        var lines = tally.keys.sorted().map { "sample \($0)=\(tally[$0]!)" }
        lines.append("sample SLA response within target: \(share("response within target", of: "response measured"))")
        lines.append("sample SLA resolution within target: \(share("resolution within target", of: "resolution measured"))")
        lines.append("sample reopen rate: \(share("incidents reopened", of: "incidents")), first-contact resolution: \(share("incidents first-contact resolved", of: "incidents"))")
        return lines
    }
}
