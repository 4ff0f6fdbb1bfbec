import Domain
import Foundation

/// Incidents: office-hours arrivals, a skewed priority and category mix, most resolved within
/// their SLA in business time and some breaching, holds, reassignments, reopens, major
/// incidents, links to problems, and the open backlog the history leaves at `end`.
struct IncidentGenerator {
    let plan: DatasetPlan
    let sampler: ServiceSampler
    let arrivals: ArrivalPattern
    let problems: ProblemGenerator.Index
    let levels: ServiceLevels

    /// Incidents per service, oldest first, for linking changes: (opened, id, priority).
    typealias Index = [[(opened: Int64, id: Int64, priority: Priority)]]

    /// Impact x urgency pairs and their shares: P1 about 1.5%, P2 9%, P3 35%, P4 54.5% (ITIL matrix).
    private static let matrixCells: [(Impact, Urgency)] = [
        (.high, .high), (.high, .medium), (.medium, .high), (.high, .low), (.medium, .medium), (.low, .high),
        (.medium, .low), (.low, .medium), (.low, .low),
    ]
    private static let matrixChoice = WeightedChoice([1.5, 4.5, 4.5, 5, 25, 5, 18, 20, 16.5])
    private static let categoryChoice = WeightedChoice(Vocabulary.categories.map(\.weight))

    func make(batchSize: Int, write: @escaping @Sendable (Batch) async throws -> Void) async throws -> Index {
        var random = plan.random(.incidents)
        var index = Index(repeating: [], count: sampler.services.count)
        var sink = BatchSink(size: batchSize, empty: Self.emptyBatch, write: write)
        var nextID: Int64 = 1
        for (day, count) in arrivals.counts(total: plan.incidents, weekendShare: 0.2).enumerated() where count > 0 {
            // About 1% are logged without a service (the caller could not say which).
            for (at, service) in arrivals.arrivals(day: day, count: count, sampler: sampler, withoutService: 0.01, random: &random) {
                let incident = try make(id: nextID, opened: at, service: service, random: &random)
                if let service { index[service].append((at, nextID, incident.priority)) }
                try await sink.add { Self.append(incident, to: &$0) }
                nextID += 1
            }
        }
        try await sink.finish()
        return index
    }

    private func make(id: Int64, opened: Int64, service serviceIndex: Int?, random: inout SeededRandom) throws -> Incident {
        let service = serviceIndex.map { sampler.services[$0] }
        let level = service?.level ?? levels.none
        let time = level.time
        let (impact, urgency) = Self.matrixCells[Self.matrixChoice.draw(&random)]
        let priority = PriorityMatrix.itil.priority(impact: impact, urgency: urgency)
        let isMajor = priority == .p1 ? random.chance(0.6) : priority == .p2 ? random.chance(0.02) : false
        let categoryIndex = Self.categoryChoice.draw(&random)
        let category = Vocabulary.categories[categoryIndex]
        let monitoring = category.name == "Monitoring alert"
        let creator = monitoring ? "monitoring" : random.element(Vocabulary.deskAgents)
        let desk = monitoring ? random.element(Vocabulary.deskAgents) : creator

        var incident = try Incident(
            title: random.element(category.titles) + (service.map { " - \($0.service.name)" } ?? ""),
            description: random.chance(0.3) ? "Reported by \(random.element(Vocabulary.requesters))." : nil,
            category: random.chance(0.03) ? nil : category.name, impact: impact, urgency: urgency, serviceID: service?.id,
            isMajor: isMajor, at: Instant(microsecondsSinceEpoch: opened), by: creator
        )
        var timeline = Timeline(opened: opened, end: plan.end.microsecondsSinceEpoch)

        // How long it takes, as shares of the SLA targets in business time: mostly within, some
        // breaching, a few stuck for weeks (the aged backlog).
        let target = level.target(priority)
        let responseShare = random.chance(0.91) ? 0.03 + 0.87 * pow(random.unit(), 1.6) : random.uniform(1.05, 3)
        let u = random.unit()
        let resolutionShare = u < 0.86 ? 0.08 + 0.87 * pow(random.unit(), 1.4) : u < 0.985 ? random.uniform(1.02, 3.5) : random.uniform(5, 40)
        let response = max(Int64(Double(target.response) * responseShare), 20 * .second)
        let work = max(Int64(Double(target.resolution) * resolutionShare), response + 5 * .minute)
        func businessPoint(_ amount: Int64) -> Int64 { time.adding(amount, to: opened) ?? .max }

        let resolver = random.element(Vocabulary.resolvers)
        let group = random.element(Vocabulary.resolverGroups.dropFirst().map { $0 })
        let respondedAt = businessPoint(response)

        var resolvedAt: Int64
        if priority >= .p3, random.chance(0.22) {
            // First-contact resolution: the desk resolves it on the call (this is the first response too).
            resolvedAt = respondedAt
            try timeline.at(resolvedAt) { try incident.resolve(at: $0, by: desk, note: "resolved on first contact") }
        } else {
            let variant = random.unit()
            if variant < 0.6 {
                let assignAt = opened + Int64(Double(max(respondedAt == .max ? .hour : respondedAt - opened, 0)) * random.uniform(0.05, 0.9))
                try timeline.at(assignAt) { try incident.assign(to: group, at: $0, by: desk) }
                try timeline.at(respondedAt) { try incident.move(to: .inProgress, at: $0, by: resolver) }
            } else if variant < 0.85 {
                try timeline.at(respondedAt) { try incident.respond(at: $0, by: desk) }
                try timeline.at(respondedAt + Int64(random.int(1...20)) * .minute) { try incident.assign(to: group, at: $0, by: desk) }
                try timeline.at(timeline.last + Int64(random.int(1...60)) * .minute) { try incident.move(to: .inProgress, at: $0, by: resolver) }
            } else {
                try timeline.at(respondedAt) { try incident.move(to: .inProgress, at: $0, by: desk) }
            }

            // Work between the response and the resolution, in business time from `opened`;
            // a hold moves every later point by its wall-clock length (the SLA clock pauses).
            var hold: (at: Int64, resumedAt: Int64, point: Int64)?
            func at(point: Int64) -> Int64 {
                guard let hold, point > hold.point else { return businessPoint(point) }
                return hold.resumedAt == .max ? .max : time.adding(point - hold.point, to: hold.resumedAt) ?? .max
            }
            let span = work - response
            var points: [(Int64, Step)] = []
            if random.chance(0.02) { points.append((response + Int64(Double(span) * random.uniform(0.05, 0.3)), .reprioritise)) }
            if random.chance(0.09) { points.append((response + Int64(Double(span) * random.uniform(0.1, 0.45)), .reassign)) }
            if random.chance(0.09) { points.append((response + Int64(Double(span) * random.uniform(0.3, 0.85)), .hold)) }
            if random.chance(0.12) { points.append((response + Int64(Double(span) * random.uniform(0.2, 0.95)), .link)) }
            for (point, step) in points.sorted(by: { $0.0 < $1.0 }) {
                switch step {
                case .reprioritise:
                    let (newImpact, newUrgency) = Self.matrixCells[Self.matrixChoice.draw(&random)]
                    try timeline.at(at(point: point)) { try incident.reprioritise(impact: newImpact, urgency: newUrgency, at: $0, by: resolver) }
                case .reassign:
                    let other = random.element(Vocabulary.resolverGroups)
                    let back = min(point + Int64(random.logUniform(10, 240)) * .minute, point + (work - point) / 2)
                    try timeline.at(at(point: point)) { try incident.assign(to: other, at: $0, by: resolver) }
                    try timeline.at(at(point: back)) { try incident.move(to: .inProgress, at: $0, by: random.element(Vocabulary.resolvers)) }
                case .hold:
                    guard incident.state == .inProgress else { break }
                    let holdAt = at(point: point)
                    let length = Int64((random.chance(0.93) ? random.logUniform(1, 120) : random.logUniform(120, 1080)) * Double(Int64.hour))
                    let resumedAt = holdAt == .max ? Int64.max : holdAt + length
                    let reason = random.element(Vocabulary.holdReasons)
                    try timeline.at(holdAt) { try incident.hold(at: $0, by: resolver, reason: reason) }
                    try timeline.at(resumedAt) { try incident.resume(at: $0, by: resolver) }
                    hold = (holdAt, resumedAt, point)
                case .link:
                    let linkAt = at(point: point)
                    if let serviceIndex, linkAt != .max, let problemID = problem(of: serviceIndex, before: linkAt, random: &random) {
                        try timeline.at(linkAt) { try incident.link(problem: problemID, at: $0, by: resolver) }
                    }
                }
            }
            resolvedAt = at(point: work)
            try timeline.at(resolvedAt) { try incident.resolve(at: $0, by: resolver, note: "fixed") }
        }

        if incident.state == .resolved, random.chance(0.05) {
            let reopenAt = timeline.last + Int64(random.logUniform(2, 144) * Double(Int64.hour))
            try timeline.at(reopenAt) { try incident.reopen(at: $0, by: desk, reason: "caller reports it is not fixed") }
            let again = time.adding(Int64(random.logUniform(30, 960)) * .minute, to: reopenAt) ?? .max
            try timeline.at(again) { try incident.resolve(at: $0, by: resolver, note: "fixed after reopen") }
        }
        if incident.state == .resolved {
            try timeline.at(timeline.last + 3 * .day + Int64(random.int(0...1800)) * .second) { try incident.close(at: $0, by: "system") }
        }
        incident.id = id
        incident.version = incident.events.count
        return incident
    }

    private enum Step { case reprioritise, reassign, hold, link }

    /// One of the five problems of the service opened most recently before `instant`.
    private func problem(of service: Int, before instant: Int64, random: inout SeededRandom) -> Int64? {
        let list = problems[service]
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].opened < instant { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        return list[max(0, low - 1 - random.int(0...4))].id
    }

    static func emptyBatch() -> Batch {
        Batch(tables: [TableRows("incidents", [
            "id", "version", "title", "description", "category", "impact", "urgency", "priority", "state", "service_id",
            "problem_id", "is_major", "assignee", "opened_at_us", "first_response_at_us", "resolved_at_us", "closed_at_us",
        ])])
    }

    static func append(_ incident: Incident, to batch: inout Batch) {
        batch.tables[0].append([
            incident.id!, Int64(incident.version), incident.title, incident.description, incident.category,
            incident.impact.rawValue, incident.urgency.rawValue, Int64(incident.priority.rawValue), incident.state.rawValue,
            incident.serviceID, incident.problemID, incident.isMajor, incident.assignee, incident.openedAt.microsecondsSinceEpoch,
            incident.firstResponseAt?.microsecondsSinceEpoch, incident.resolvedAt?.microsecondsSinceEpoch,
            incident.closedAt?.microsecondsSinceEpoch,
        ])
        batch.events.append(incident.events, recordID: incident.id!)
    }
}
