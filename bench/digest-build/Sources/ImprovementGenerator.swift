import Foundation
import Domain

/// The CSI register: initiatives with a metric, a baseline, a target and monthly measurements
/// that move towards the target (some reach it, some lag behind their due date).
struct ImprovementGenerator {
    let plan: DatasetPlan
    let services: [ServicePlan]

    private static let metrics: [(name: String, baseline: ClosedRange<Double>, better: Double)] = [
        ("MTTR P2 (business hours)", 6...14, -0.4),
        ("MTTR P3 (business hours)", 16...40, -0.35),
        ("First-contact resolution %", 45...62, 0.2),
        ("Change success rate %", 88...94, 0.05),
        ("Incidents per week", 80...400, -0.25),
        ("Backlog older than 30 days", 40...300, -0.5),
        ("SLA resolution compliance %", 82...92, 0.08),
        ("Availability %", 99.0...99.7, 0.002),
    ]

    func make() throws -> Batch {
        var random = plan.random(.improvements)
        let start = plan.start.microsecondsSinceEpoch
        let end = plan.end.microsecondsSinceEpoch
        var created: [Int64] = (0..<plan.improvements).map { _ in start + Int64(random.unit() * Double(end - 14 * .day - start)) }
        created.sort()
        var batch = Batch(tables: [TableRows("improvements", [
            "id", "version", "title", "owner", "service_id", "metric", "baseline", "target", "current_value", "due_date", "state", "created_at_us",
        ])])
        let live = services.filter { $0.liveFrom != .max }
        for (offset, at) in created.enumerated() {
            let metric = random.element(Self.metrics)
            let baseline = (random.uniform(metric.baseline.lowerBound, metric.baseline.upperBound) * 10).rounded() / 10
            let target = (baseline * (1 + metric.better) * 100).rounded() / 100
            let owner = Vocabulary.displayName(random.int(0...999))
            let service = random.chance(0.6) && !live.isEmpty ? random.element(live) : nil
            let due = CivilDate(daysSinceEpoch: Int(at / .day) + random.int(90...400))
            var improvement = try Improvement(
                title: "Improve \(metric.name.lowercased())" + (service.map { " for \($0.service.name)" } ?? ""), owner: owner,
                serviceID: service?.id, metric: metric.name, baseline: baseline, target: target, dueDate: due,
                at: Instant(microsecondsSinceEpoch: at), by: owner.lowercased().replacingOccurrences(of: " ", with: ".")
            )
            let actor = improvement.events[0].actor
            var timeline = Timeline(opened: at, end: end)
            let pace = random.uniform(0.4, 1.6)  // below 1: late
            try timeline.at(at + Int64(random.uniform(3, 30)) * .day) { try improvement.move(to: .approved, at: $0, by: actor) }
            if random.chance(0.08) {
                try timeline.at(timeline.last + Int64(random.uniform(5, 60)) * .day) { try improvement.move(to: .cancelled, at: $0, by: actor, note: "deprioritised") }
            } else {
                try timeline.at(timeline.last + Int64(random.uniform(1, 20)) * .day) { try improvement.move(to: .inProgress, at: $0, by: actor) }
                let began = timeline.last
                let planned = Double(Int64(due.daysSinceEpoch) * .day - began)
                var month = 1
                while improvement.state == .inProgress {
                    let measuredAt = began + Int64(month) * 30 * .day
                    let progress = min(1.1, pace * Double(measuredAt - began) / max(planned, Double(Int64.day)))
                    let value = ((baseline + (target - baseline) * progress + (target - baseline) * random.uniform(-0.08, 0.08)) * 100).rounded() / 100
                    guard try timeline.at(measuredAt, { try improvement.measure(value, at: $0, by: actor) }) else { break }
                    if improvement.isTargetMet || month > 24 {
                        try timeline.at(measuredAt + Int64(random.uniform(1, 10)) * .day) { try improvement.move(to: .completed, at: $0, by: actor) }
                        break
                    }
                    month += 1
                }
            }
            let id = Int64(offset + 1)
            improvement.id = id
            improvement.version = improvement.events.count
            batch.tables[0].append([
                id, Int64(improvement.version), improvement.title, improvement.owner, improvement.serviceID, improvement.metric,
                improvement.baseline, improvement.target, improvement.current, improvement.dueDate?.description,
                improvement.state.rawValue, improvement.events[0].at.microsecondsSinceEpoch,
            ])
            batch.events.append(improvement.events, recordID: id)
        }
        return batch
    }
}
