import Domain
import Storage

extension Problem: ImportableRecord {
    static let transferFields = [
        "title", "description", "service", "root-cause", "workaround", "known_error", "state",
        "opened_at", "known_error_at", "resolved_at", "closed_at",
    ]
    static let requiredFields = ["title"]

    /// Created at `opened_at` (root cause and workaround documented then); investigating from
    /// `opened_at`; resolved at `resolved_at`; closed at `closed_at` (through resolved when
    /// `resolved_at` is given); a known error (`known_error` true, or a `known_error_at`) from
    /// `known_error_at`, else `opened_at`. The moves are applied in time order.
    static func imported(_ fields: FieldMap, references: References, now: Instant, by actor: String) async throws -> Problem {
        let target: ProblemState = try fields.importedState() ?? .new
        let opened = try fields.instant("opened_at") ?? now
        try fields.refuse("resolved_at", unless: target == .resolved || target == .closed, state: target)
        try fields.refuse("closed_at", unless: target == .closed, state: target)
        let resolved = target == .resolved ? try fields.neededInstant("resolved_at", for: target) : try fields.instant("resolved_at")
        let closed = target == .closed ? try fields.neededInstant("closed_at", for: target) : nil
        let knownAt = try fields.instant("known_error_at")
        let known = try fields.flag("known_error") ?? (knownAt != nil)
        try FieldMap.checkOrder([("opened_at", opened), ("resolved_at", resolved), ("closed_at", closed)])
        try FieldMap.checkOrder([("opened_at", opened), ("known_error_at", knownAt), ("closed_at", closed)])
        if knownAt != nil, !known {
            throw DomainError.invalidField(field: "known_error", value: fields.text("known_error") ?? "", expected: "true when known_error_at is given")
        }

        var problem = try await make(fields, references: references, at: opened, by: actor)
        // (instant, order among equal instants, move)
        var moves: [(Instant, Int, (inout Problem) throws(DomainError) -> Void)] = []
        if target != .new, target != .closed || resolved != nil {
            moves.append((opened, 0, { problem throws(DomainError) in try problem.move(to: .investigating, at: opened, by: actor) }))
        }
        if let resolved { moves.append((resolved, 2, { problem throws(DomainError) in try problem.move(to: .resolved, at: resolved, by: actor) })) }
        if let closed { moves.append((closed, 3, { problem throws(DomainError) in try problem.move(to: .closed, at: closed, by: actor) })) }
        if known {
            let at = knownAt ?? opened
            moves.append((at, 1, { problem throws(DomainError) in try problem.markKnownError(at: at, by: actor) }))
        }
        for (_, _, move) in moves.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) { try move(&problem) }
        return problem
    }

    func transferValues(_ names: ReferenceNames) -> [JSONValue] {
        [
            .text(title), description.json, names.name(serviceID).json, rootCause.json, workaround.json, .bool(isKnownError), .text(state.rawValue),
            .instant(openedAt), .instant(knownErrorAt), .instant(events.lastEntry(into: .resolved)), .instant(events.lastEntry(into: .closed)),
        ]
    }
}

extension Change: ImportableRecord {
    static let transferFields = [
        "title", "description", "type", "risk", "service", "approvers", "start", "end", "state", "outcome",
        "opened_at", "decided_at", "implemented_at", "reviewed_at", "closed_at",
    ]
    static let requiredFields = ["title", "type", "risk"]

    /// Created at `opened_at` with its window (`start`, `end`) and approvers; submitted then (a
    /// standard change at `decided_at`, as submitting authorises it); the CAB decision at
    /// `decided_at` (else `opened_at`): every approver's approving vote, or the first approver's
    /// rejection; scheduled at `decided_at`; implemented with `outcome` at `implemented_at`;
    /// reviewed at `reviewed_at`; closed, or cancelled, at `closed_at`.
    static func imported(_ fields: FieldMap, references: References, now: Instant, by actor: String) async throws -> Change {
        let target: ChangeState = try fields.importedState() ?? .new
        let opened = try fields.instant("opened_at") ?? now
        let decided = try fields.instant("decided_at")
        let stages: [ChangeState] = [.implemented, .reviewed, .closed]
        let reached = stages.firstIndex(of: target).map { stages[...$0] } ?? []
        try fields.refuse("implemented_at", unless: reached.contains(.implemented), state: target)
        try fields.refuse("outcome", unless: reached.contains(.implemented), state: target)
        try fields.refuse("reviewed_at", unless: reached.contains(.reviewed), state: target)
        try fields.refuse("closed_at", unless: target == .closed || target == .cancelled, state: target)
        let implemented = reached.contains(.implemented) ? try fields.neededInstant("implemented_at", for: target) : nil
        let reviewed = reached.contains(.reviewed) ? try fields.neededInstant("reviewed_at", for: target) : nil
        let closed = target == .closed ? try fields.neededInstant("closed_at", for: target) : try fields.instant("closed_at")
        let outcome: ChangeOutcome? = reached.contains(.implemented) ? try fields.requiredChoice("outcome") : nil
        try FieldMap.checkOrder([
            ("opened_at", opened), ("decided_at", decided), ("implemented_at", implemented), ("reviewed_at", reviewed), ("closed_at", closed),
        ])

        var change = try await make(fields, references: references, at: opened, by: actor)
        let decidedAt = decided ?? opened
        let needsWindow: Set<ChangeState> = [.scheduled, .implemented, .reviewed, .closed]
        if needsWindow.contains(target), change.window == nil {
            throw DomainError.invalidField(field: "start", value: "", expected: "the window's start and end (a \(target.rawValue) change was scheduled)")
        }
        func submit() throws(DomainError) { try change.submit(at: change.type == .standard ? decidedAt : opened, by: actor) }
        func authorise() throws(DomainError) {
            try submit()
            if change.type == .standard { return }
            for approver in change.approval.approvers { try change.vote(approver: approver, approve: true, comment: "imported", at: decidedAt) }
        }
        switch target {
        case .new: break
        case .awaitingApproval: try submit()
        case .authorised: try authorise()
        case .rejected:
            try submit()
            if let approver = change.approval.approvers.first { try change.vote(approver: approver, approve: false, comment: "imported", at: decidedAt) }
        case .scheduled, .implemented, .reviewed, .closed:
            try authorise()
            if let window = change.window { try change.schedule(window, at: decidedAt, by: actor) }
            if let implemented, let outcome { try change.implement(outcome: outcome, at: implemented, by: actor) }
            if let reviewed { try change.review(at: reviewed, by: actor) }
            if target == .closed, let closed { try change.close(at: closed, by: actor) }
        case .cancelled: try change.cancel(at: closed ?? opened, by: actor)
        }
        guard change.state == target else {
            throw DomainError.invalidField(
                field: "state", value: target.rawValue,
                expected: "a state a \(change.type.rawValue) change can reach (submitting it makes it \(change.state.rawValue))")
        }
        return change
    }

    func transferValues(_ names: ReferenceNames) -> [JSONValue] {
        [
            .text(title), description.json, .text(type.rawValue), .text(risk.rawValue), names.name(serviceID).json,
            .text(approval.approvers.isEmpty ? nil : approval.approvers.joined(separator: ";")), .instant(window?.start), .instant(window?.end),
            .text(state.rawValue), .text(outcome?.rawValue), .instant(requestedAt),
            .instant(events.lastEntry(into: .authorised) ?? events.lastEntry(into: .rejected)), .instant(implementedAt),
            .instant(events.lastEntry(into: .reviewed)), .instant(events.lastEntry(into: .closed) ?? events.lastEntry(into: .cancelled)),
        ]
    }
}

extension ServiceRequest: ExportableRecord {
    static let transferFields = ["title", "requester", "service", "priority", "state", "opened_at", "fulfilled_at"]

    func transferValues(_ names: ReferenceNames) -> [JSONValue] {
        [.text(title), .text(requester), names.name(serviceID).json, .text(priority.description), .text(state.rawValue), .instant(openedAt), .instant(fulfilledAt)]
    }
}

extension Improvement: ExportableRecord {
    static let transferFields = ["title", "owner", "service", "metric", "baseline", "target", "current", "due", "state", "opened_at"]

    func transferValues(_ names: ReferenceNames) -> [JSONValue] {
        [
            .text(title), owner.json, names.name(serviceID).json, .text(metric), .number(baseline), .number(target), .number(current),
            .text(dueDate?.description), .text(state.rawValue), .instant(openedAt),
        ]
    }
}
