import Domain

/// Problems and known errors: investigated, often documented, many become known errors, most
/// are resolved within months; the queue at `end` is what is still open.
struct ProblemGenerator {
    let plan: DatasetPlan
    let sampler: ServiceSampler
    let arrivals: ArrivalPattern

    /// Problems opened per service, oldest first: (opened, id), for linking incidents.
    typealias Index = [[(opened: Int64, id: Int64)]]

    func make(batchSize: Int, write: @escaping @Sendable (Batch) async throws -> Void) async throws -> Index {
        var random = plan.random(.problems)
        var index = Index(repeating: [], count: sampler.services.count)
        var sink = BatchSink(size: batchSize, empty: Self.emptyBatch, write: write)
        var nextID: Int64 = 1
        for (day, count) in arrivals.counts(total: plan.problems, weekendShare: 0.08).enumerated() where count > 0 {
            for (at, service) in arrivals.arrivals(day: day, count: count, sampler: sampler, random: &random) {
                let problem = try make(id: nextID, opened: at, service: service.map { sampler.services[$0] }, random: &random)
                if let service { index[service].append((at, nextID)) }
                try await sink.add { Self.append(problem, to: &$0) }
                nextID += 1
            }
        }
        try await sink.finish()
        return index
    }

    private func make(id: Int64, opened: Int64, service: ServicePlan?, random: inout SeededRandom) throws -> Problem {
        let manager = random.element(Vocabulary.problemManagers)
        let title = random.element(Vocabulary.problemTitles) + (service.map { " in \($0.service.name)" } ?? "")
        var problem = try Problem(
            title: title, description: random.chance(0.4) ? "Raised from recurring incidents." : nil, serviceID: service?.id,
            at: Instant(microsecondsSinceEpoch: opened), by: manager
        )
        var timeline = Timeline(opened: opened, end: plan.end.microsecondsSinceEpoch)
        func after(_ lower: Double, _ upper: Double, unit: Int64) -> Int64 { timeline.last + Int64(random.logUniform(lower, upper) * Double(unit)) }

        if random.chance(0.05) {
            try timeline.at(after(1, 10, unit: .day)) { try problem.move(to: .closed, at: $0, by: manager, note: "duplicate") }
        } else {
            try timeline.at(after(1, 192, unit: .hour)) { try problem.move(to: .investigating, at: $0, by: manager) }
            var documented = false
            if random.chance(0.72) {
                let rootCause = random.chance(0.6)
                let workaround = !rootCause || random.chance(0.7)
                documented = try timeline.at(after(1, 40, unit: .day)) {
                    try problem.document(
                        rootCause: rootCause ? "Defect identified in \(problem.title.lowercased())." : nil,
                        workaround: workaround ? "Restart the affected component; see the runbook." : nil, at: $0, by: manager
                    )
                }
            }
            if documented, random.chance(0.6) {
                try timeline.at(after(1, 120, unit: .hour)) { try problem.markKnownError(at: $0, by: manager) }
            }
            if random.chance(0.75) {
                try timeline.at(after(3, 150, unit: .day)) { try problem.move(to: .resolved, at: $0, by: manager, note: "fix deployed") }
                if random.chance(0.03) {
                    try timeline.at(after(2, 20, unit: .day)) { try problem.move(to: .investigating, at: $0, by: manager, note: "recurred after the fix") }
                    try timeline.at(after(5, 40, unit: .day)) { try problem.move(to: .resolved, at: $0, by: manager, note: "second fix deployed") }
                }
                if random.chance(0.85) {
                    try timeline.at(after(1, 30, unit: .day)) { try problem.move(to: .closed, at: $0, by: manager) }
                }
            } else if random.chance(0.15) {
                try timeline.at(after(30, 200, unit: .day)) { try problem.move(to: .closed, at: $0, by: manager, note: "risk accepted") }
            }
        }
        problem.id = id
        problem.version = problem.events.count
        return problem
    }

    static func emptyBatch() -> Batch {
        Batch(tables: [TableRows("problems", [
            "id", "version", "title", "description", "service_id", "state", "root_cause", "workaround", "is_known_error",
            "opened_at_us", "known_error_at_us", "resolved_at_us",
        ])])
    }

    static func append(_ problem: Problem, to batch: inout Batch) {
        batch.tables[0].append([
            problem.id!, Int64(problem.version), problem.title, problem.description, problem.serviceID, problem.state.rawValue,
            problem.rootCause, problem.workaround, problem.isKnownError, problem.openedAt.microsecondsSinceEpoch,
            problem.knownErrorAt?.microsecondsSinceEpoch, problem.resolvedAt?.microsecondsSinceEpoch,
        ])
        batch.events.append(problem.events, recordID: problem.id!)
    }
}
