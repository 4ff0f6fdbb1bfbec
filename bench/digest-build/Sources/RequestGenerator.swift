import Domain

/// Service requests: approved when needed, fulfilled in business time on the service's
/// calendar, closed a few days later; some cancelled, a few sent back into fulfilment.
struct RequestGenerator {
    let plan: DatasetPlan
    let sampler: ServiceSampler
    let arrivals: ArrivalPattern
    let levels: ServiceLevels

    func make(batchSize: Int, write: @escaping @Sendable (Batch) async throws -> Void) async throws {
        var random = plan.random(.requests)
        var sink = BatchSink(size: batchSize, empty: Self.emptyBatch, write: write)
        var nextID: Int64 = 1
        for (day, count) in arrivals.counts(total: plan.requests, weekendShare: 0.1).enumerated() where count > 0 {
            for (at, service) in arrivals.arrivals(day: day, count: count, sampler: sampler, random: &random) {
                var request = try make(opened: at, service: service.map { sampler.services[$0] }, random: &random)
                request.id = nextID
                request.version = request.events.count
                try await sink.add { batch in
                    batch.tables[0].append([
                        request.id!, Int64(request.version), request.title, request.requester, request.serviceID,
                        Int64(request.priority.rawValue), request.state.rawValue, request.openedAt.microsecondsSinceEpoch,
                        request.fulfilledAt?.microsecondsSinceEpoch,
                    ])
                    batch.events.append(request.events, recordID: request.id!)
                }
                nextID += 1
            }
        }
        try await sink.finish()
    }

    private func make(opened: Int64, service: ServicePlan?, random: inout SeededRandom) throws -> ServiceRequest {
        let u = random.unit()
        let priority: Priority = u < 0.01 ? .p1 : u < 0.06 ? .p2 : u < 0.3 ? .p3 : .p4
        let requester = random.element(Vocabulary.requesters)
        let agent = random.element(Vocabulary.deskAgents)
        var request = try ServiceRequest(
            title: random.element(Vocabulary.requestTitles), requester: requester, serviceID: service?.id, priority: priority,
            at: Instant(microsecondsSinceEpoch: opened), by: requester
        )
        let time = (service?.level ?? levels.none).time
        var timeline = Timeline(opened: opened, end: plan.end.microsecondsSinceEpoch)
        func after(_ lower: Double, _ upper: Double, _ unit: Int64) -> Int64 { timeline.last + Int64(random.logUniform(lower, upper) * Double(unit)) }

        if random.chance(0.35) {
            try timeline.at(after(30, 2880, .minute)) { try request.move(to: .approved, at: $0, by: random.element(Vocabulary.changeManagers)) }
        }
        if random.chance(0.03) {
            try timeline.at(after(1, 72, .hour)) { try request.move(to: .cancelled, at: $0, by: requester, note: "no longer needed") }
            return request
        }
        try timeline.at(after(10, 1440, .minute)) { try request.move(to: .inFulfilment, at: $0, by: agent) }
        let businessHours = priority == .p1 ? random.logUniform(0.5, 8) : priority == .p2 ? random.logUniform(1, 24) : random.logUniform(1, 80)
        let fulfilAt = time.adding(Int64(businessHours * Double(Int64.hour)), to: timeline.last) ?? .max
        try timeline.at(fulfilAt) { try request.move(to: .fulfilled, at: $0, by: agent) }
        if request.state == .fulfilled, random.chance(0.01) {
            try timeline.at(after(2, 48, .hour)) { try request.move(to: .inFulfilment, at: $0, by: agent, note: "incomplete") }
            try timeline.at(after(1, 24, .hour)) { try request.move(to: .fulfilled, at: $0, by: agent) }
        }
        if request.state == .fulfilled {
            try timeline.at(timeline.last + 3 * .day + Int64(random.int(0...1800)) * .second) { try request.move(to: .closed, at: $0, by: "system") }
        }
        return request
    }

    static func emptyBatch() -> Batch {
        Batch(tables: [TableRows("requests", [
            "id", "version", "title", "requester", "service_id", "priority", "state", "opened_at_us", "fulfilled_at_us",
        ])])
    }
}
