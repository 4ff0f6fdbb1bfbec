import Domain
import Foundation

/// Changes: standard (pre-authorised), normal (CAB votes) and emergency (~5%) changes through
/// their lifecycle; windows on local evenings and weekends, some in the week after `end`
/// (with collisions on one service); mostly successful outcomes, some failed or backed out;
/// links to the incidents a change caused or fixed.
struct ChangeGenerator {
    let plan: DatasetPlan
    let sampler: ServiceSampler
    let arrivals: ArrivalPattern
    let incidents: IncidentGenerator.Index

    func make(batchSize: Int, write: @escaping @Sendable (Batch) async throws -> Void) async throws -> Int {
        var random = plan.random(.changes)
        var sink = BatchSink(size: batchSize, empty: Self.emptyBatch, write: write)
        var nextID: Int64 = 1
        for (day, count) in arrivals.counts(total: plan.changes, weekendShare: 0.06).enumerated() where count > 0 {
            for (at, service) in arrivals.arrivals(day: day, count: count, sampler: sampler, random: &random) {
                let change = try make(id: nextID, requested: at, service: service, random: &random)
                try await sink.add { try Self.append(change, to: &$0) }
                nextID += 1
            }
        }
        // Collisions on next week's change calendar: pairs of scheduled changes on one service
        // with overlapping windows (on top of any the random windows make).
        let end = plan.end.microsecondsSinceEpoch
        for _ in 0..<max(2, Int((20 * plan.scale).rounded())) {
            guard let (service, requested) = sampler.draw(&random, instantOn: { _, random in end - Int64(random.uniform(2, 12) * Double(Int64.day)) })
            else { continue }
            let first = end + Int64(random.uniform(1, 6)) * .day + Int64(random.int(17...21)) * .hour
            for offset in [Int64(0), Int64(random.int(30...120)) * .minute] {
                let window = try ChangeWindow(
                    start: Instant(microsecondsSinceEpoch: first + offset), end: Instant(microsecondsSinceEpoch: first + offset + 3 * .hour)
                )
                var change = try Change(
                    title: random.element(Vocabulary.changeTitles), type: .normal, risk: .medium, serviceID: sampler.services[service].id,
                    window: window, approvers: Array(Vocabulary.cabMembers.prefix(2)), at: Instant(microsecondsSinceEpoch: requested + offset),
                    by: random.element(Vocabulary.changeManagers)
                )
                var at = requested + offset + .hour
                try change.submit(at: Instant(microsecondsSinceEpoch: at), by: change.events[0].actor)
                for approver in change.approval.approvers {
                    at += 4 * .hour
                    try change.vote(approver: approver, approve: true, at: Instant(microsecondsSinceEpoch: at))
                }
                try change.schedule(window, at: Instant(microsecondsSinceEpoch: at + .hour), by: change.events[0].actor)
                change.id = nextID
                change.version = change.events.count
                try await sink.add { [change] in try Self.append(change, to: &$0) }
                nextID += 1
            }
        }
        try await sink.finish()
        return Int(nextID - 1)
    }

    private func make(id: Int64, requested: Int64, service serviceIndex: Int?, random: inout SeededRandom) throws -> Change {
        let service = serviceIndex.map { sampler.services[$0] }
        let u = random.unit()
        let type: ChangeType = u < 0.55 ? .standard : u < 0.95 ? .normal : .emergency
        let risk: ChangeRisk = {
            let r = random.unit()
            switch type {
            case .standard: return r < 0.85 ? .low : .medium
            case .normal: return r < 0.4 ? .low : r < 0.85 ? .medium : .high
            case .emergency: return r < 0.5 ? .medium : .high
            }
        }()
        var approvers: [String] = []
        switch type {
        case .standard: break
        case .normal:
            var pool = Vocabulary.cabMembers
            pool.shuffle(using: &random)
            approvers = Array(pool.prefix(random.int(2...4)))
        case .emergency:
            var pool = Vocabulary.emergencyCAB
            pool.shuffle(using: &random)
            approvers = Array(pool.prefix(random.int(1...2)))
        }
        let manager = random.element(Vocabulary.changeManagers)
        let calendar = service?.calendarIndex ?? 0
        let proposed = type == .normal && random.chance(0.5) ? window(for: type, after: requested + 3 * .day, calendar: calendar, random: &random) : nil
        var change = try Change(
            title: random.element(Vocabulary.changeTitles) + (service.map { " on \($0.service.name)" } ?? ""),
            description: random.chance(0.4) ? "Implementation plan and rollback plan attached." : nil, type: type, risk: risk,
            serviceID: service?.id, window: proposed, approvers: approvers, at: Instant(microsecondsSinceEpoch: requested), by: manager
        )
        var timeline = Timeline(opened: requested, end: plan.end.microsecondsSinceEpoch)
        func after(_ lower: Double, _ upper: Double, _ unit: Int64) -> Int64 { timeline.last + Int64(random.logUniform(lower, upper) * Double(unit)) }

        if type == .normal, random.chance(0.03) {
            try timeline.at(after(1, 5, .day)) { try change.cancel(at: $0, by: manager, reason: "withdrawn by the requester") }
            return finish(&change, id: id)
        }
        let submitAt = switch type {
        case .standard: after(1, 120, .minute)
        case .normal: after(10, 2880, .minute)
        case .emergency: after(1, 20, .minute)
        }
        try timeline.at(submitAt) { try change.submit(at: $0, by: manager) }
        if type != .standard {
            let rejecter = random.chance(type == .normal ? 0.06 : 0.03) ? random.int(0...(approvers.count - 1)) : nil
            for (index, approver) in approvers.enumerated() {
                let voteAt = type == .normal ? after(2, 72, .hour) : after(5, 90, .minute)
                let approve = index != rejecter
                try timeline.at(voteAt) {
                    try change.vote(approver: approver, approve: approve, comment: approve ? nil : "rollback plan not sufficient", at: $0)
                }
                if !approve { break }
            }
            if change.state == .awaitingApproval, random.chance(0.02) {
                try timeline.at(after(1, 72, .hour)) { try change.cancel(at: $0, by: manager, reason: "superseded") }
            }
        }
        guard change.state == .authorised else { return finish(&change, id: id) }

        var planned = proposed.flatMap { $0.start.microsecondsSinceEpoch > timeline.last + .hour ? $0 : nil }
            ?? window(for: type, after: timeline.last, calendar: calendar, random: &random)
        let scheduleAt = min(after(5, 1440, .minute), planned.start.microsecondsSinceEpoch - 5 * .minute)
        try timeline.at(scheduleAt) { try change.schedule(planned, at: $0, by: manager) }
        if type == .normal, random.chance(0.05) {
            let shift = Duration.days(Int64(random.int(1...7)))
            let moved = try ChangeWindow(start: planned.start + shift, end: planned.end + shift + .hours(1))
            let rescheduleAt = timeline.last + (planned.start.microsecondsSinceEpoch - timeline.last) / 2
            if try timeline.at(rescheduleAt, { try change.schedule(moved, at: $0, by: manager) }) { planned = moved }
        }
        if random.chance(0.02) {
            let cancelAt = timeline.last + (planned.start.microsecondsSinceEpoch - timeline.last) / 3
            try timeline.at(cancelAt) { try change.cancel(at: $0, by: manager, reason: "no longer needed") }
            return finish(&change, id: id)
        }
        let length = planned.end.microsecondsSinceEpoch - planned.start.microsecondsSinceEpoch
        let implementAt = planned.start.microsecondsSinceEpoch + Int64(Double(length) * random.uniform(0.3, 1.0))
        let r = random.unit()
        let outcome: ChangeOutcome = type == .emergency
            ? (r < 0.85 ? .successful : r < 0.93 ? .failed : .backedOut)
            : (r < 0.93 ? .successful : r < 0.97 ? .failed : .backedOut)
        let implementer = random.element(Vocabulary.resolvers)
        guard try timeline.at(implementAt, { try change.implement(outcome: outcome, at: $0, by: implementer) }) else { return finish(&change, id: id) }
        change.incidentIDs = linkedIncidents(change, service: serviceIndex, implementedAt: implementAt, random: &random)
        try timeline.at(type == .standard ? after(10, 2880, .minute) : after(1, 240, .hour)) { try change.review(at: $0, by: manager) }
        try timeline.at(after(1, 120, .hour)) { try change.close(at: $0, by: manager) }
        return finish(&change, id: id)
    }

    private func finish(_ change: inout Change, id: Int64) -> Change {
        change.id = id
        change.version = change.events.count
        return change
    }

    /// A window after `instant`: standard changes soon and short, normal ones on a local evening
    /// or weekend morning, emergency ones within hours.
    private func window(for type: ChangeType, after instant: Int64, calendar: Int, random: inout SeededRandom) -> ChangeWindow {
        var start: Int64
        var length: Int64
        switch type {
        case .standard:
            start = instant + Int64(random.logUniform(1, 96) * Double(Int64.hour))
            length = Int64(random.logUniform(20, 120)) * .minute
        case .emergency:
            start = instant + Int64(random.logUniform(10, 180)) * .minute
            length = Int64(random.logUniform(30, 180)) * .minute
        case .normal:
            let day = arrivals.localDay(of: instant + Int64(random.uniform(1, 14) * Double(Int64.day)), calendar: calendar).index
            start = instant + 2 * .day
            length = Int64(random.logUniform(60, 360)) * .minute
            // The next evening (weekday) or morning (weekend) in the service's local time.
            for candidate in day..<(day + 7) {
                guard let (midnight, weekday) = arrivals.midnight(day: candidate, calendar: calendar) else { break }
                let weekend = weekday == .saturday || weekday == .sunday
                let hour = Int64(weekend ? random.int(6...11) : random.int(18...22))
                let at = midnight + hour * .hour + Int64([0, 30][random.int(0...1)]) * .minute
                if at > instant + .hour, weekend || random.chance(0.7) {
                    start = at
                    break
                }
            }
        }
        // Whole minutes, as people plan them.
        start -= start % .minute
        return try! ChangeWindow(start: Instant(microsecondsSinceEpoch: start), end: Instant(microsecondsSinceEpoch: start + length))
    }

    /// Incidents this change caused (failed or backed out: opened on the service within a day
    /// after) or fixed (emergency: opened within two days before the request).
    private func linkedIncidents(_ change: Change, service: Int?, implementedAt: Int64, random: inout SeededRandom) -> [Int64] {
        guard let service else { return [] }
        let list = incidents[service]
        func first(from lower: Int64) -> Int {
            var low = 0
            var high = list.count
            while low < high {
                let mid = (low + high) / 2
                if list[mid].opened < lower { low = mid + 1 } else { high = mid }
            }
            return low
        }
        let requested = change.requestedAt.microsecondsSinceEpoch
        if change.outcome != .successful, random.chance(0.6) {
            let index = first(from: implementedAt)
            return list[index...].prefix { $0.opened < implementedAt + .day }.prefix(random.int(1...2)).map(\.id)
        }
        if change.type == .emergency, random.chance(0.7) {
            let candidates = list[first(from: requested - 2 * .day)...].prefix { $0.opened <= requested }
            return (candidates.last { $0.priority <= .p2 } ?? candidates.last).map { [$0.id] } ?? []
        }
        if change.type == .normal, random.chance(0.01) {
            let candidates = list[first(from: requested - 30 * .day)...].prefix { $0.opened <= requested }
            return candidates.isEmpty ? [] : [random.element(Array(candidates)).id]
        }
        return []
    }

    static func emptyBatch() -> Batch {
        Batch(tables: [
            TableRows("changes", [
                "id", "version", "title", "description", "type", "risk", "service_id", "window_start_us", "window_end_us", "approvers",
                "outcome", "state", "requested_at_us", "implemented_at_us",
            ]),
            TableRows("change_votes", ["change_id", "approver", "approve", "at_us", "comment"]),
            TableRows("change_incidents", ["change_id", "incident_id"]),
        ])
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // as Storage's jsonText writes it
        return encoder
    }()

    static func append(_ change: Change, to batch: inout Batch) throws {
        let id = change.id!
        batch.tables[0].append([
            id, Int64(change.version), change.title, change.description, change.type.rawValue, change.risk.rawValue, change.serviceID,
            change.window?.start.microsecondsSinceEpoch, change.window?.end.microsecondsSinceEpoch,
            String(decoding: try encoder.encode(change.approval.approvers), as: UTF8.self), change.outcome?.rawValue,
            change.state.rawValue, change.requestedAt.microsecondsSinceEpoch, change.implementedAt?.microsecondsSinceEpoch,
        ])
        for vote in change.approval.votes {
            batch.tables[1].append([id, vote.approver, vote.approve, vote.at.microsecondsSinceEpoch, vote.comment])
        }
        for incidentID in Set(change.incidentIDs).sorted() {
            batch.tables[2].append([id, incidentID])
        }
        batch.events.append(change.events, recordID: id)
    }
}
