import Domain
import Foundation

/// A generated service and what the other generators need to know about it.
struct ServicePlan: Sendable {
    var service: Service
    let area: String
    let level: ServiceLevel
    /// Index of the service level's calendar in `ServiceLevels.calendars` (for local arrival times).
    let calendarIndex: Int
    /// Relative share of incidents, changes and problems (a few services get most of them).
    let weight: Double
    /// Incidents and changes arrive while the service is in the catalog: [liveFrom, retiredAt).
    let liveFrom: Int64
    let retiredAt: Int64

    func isLive(at instant: Int64) -> Bool { instant >= liveFrom && instant < retiredAt }
    var id: Int64 { service.id! }
}

/// 2k services: most in the catalog, some in the pipeline or retired, some without owner or SLA.
enum ServiceGenerator {
    static func make(plan: DatasetPlan, levels: ServiceLevels) throws -> [ServicePlan] {
        var random = plan.random(.services)
        let start = plan.start.microsecondsSinceEpoch
        let end = plan.end.microsecondsSinceEpoch
        let count = plan.services
        var ranks = Array(0..<count)
        ranks.shuffle(using: &random)
        let areas = Vocabulary.serviceAreas
        let components = Vocabulary.serviceComponents
        var result: [ServicePlan] = []
        result.reserveCapacity(count)

        for index in 0..<count {
            let area = areas[index % areas.count]
            let component = components[(index / areas.count) % components.count]
            let round = index / (areas.count * components.count)
            let name = [area, component, round > 0 ? String(round + 1) : ""].filter { !$0.isEmpty }.joined(separator: " ")

            let criticality: Criticality = {
                let u = random.unit()
                return u < 0.05 ? .critical : u < 0.25 ? .high : u < 0.75 ? .medium : .low
            }()
            let level: ServiceLevel = {
                let u = random.unit()
                switch criticality {
                case .critical: return levels.gold24x7
                case .high: return u < 0.7 ? levels.gold : levels.gold24x7
                case .medium: return u < 0.6 ? levels.silverBerlin : levels.silverNewYork
                case .low: return u < 0.55 ? levels.bronzeBerlin : levels.basicNewYork
                }
            }()

            // The portfolio path: pipeline only, catalog, or catalog then retired.
            let fate = random.unit()
            var created: Int64
            var live: Int64?
            var retired: Int64?
            var startsInCatalog = false
            if fate < 0.07 {
                created = end - Int64(random.uniform(5, 300) * Double(Int64.day))
            } else {
                if random.chance(0.72) {
                    created = start - Int64(random.uniform(30, 1500) * Double(Int64.day))
                    startsInCatalog = random.chance(0.35)
                    live = startsInCatalog ? created : created + Int64(random.uniform(20, 200) * Double(Int64.day))
                } else {
                    created = start + Int64(random.uniform(0, 650) * Double(Int64.day))
                    live = created + Int64(random.uniform(14, 120) * Double(Int64.day))
                }
                if let goLive = live, goLive >= end - .day { live = nil }  // still in the pipeline
                if let goLive = live, fate > 0.85 {
                    let earliest = max(goLive + 30 * .day, start)
                    if earliest < end - .day { retired = earliest + Int64(random.unit() * Double(end - .day - earliest)) }
                }
            }
            // A few moves inside the last week, so "services that moved this period" has rows.
            if index == 3 { created = end - 90 * .day; live = end - 3 * .day - 5 * .hour; retired = nil; startsInCatalog = false }
            if index == 7, let goLive = live, goLive < end - 30 * .day { retired = end - 2 * .day - 3 * .hour }
            created += Int64(random.int(0...86_399_999_999))

            let hasSLA = random.chance(live == nil ? 0.7 : 0.97)
            let owner = random.chance(0.04) ? nil : Vocabulary.displayName(random.int(0...999))
            let actor = "portfolio." + Vocabulary.person(random.int(0...7))
            var service = try Service(
                name: name, description: random.chance(0.5) ? "\(area): \(component.isEmpty ? "core service" : component.lowercased())" : nil,
                owner: owner, criticality: criticality, status: startsInCatalog ? .catalog : .pipeline,
                slaID: hasSLA ? level.slaID : nil, at: Instant(microsecondsSinceEpoch: created), by: actor
            )
            if let goLive = live, !startsInCatalog {
                try service.move(to: .catalog, at: Instant(microsecondsSinceEpoch: max(goLive, created + .hour)), by: actor)
            }
            if let retiredAt = retired {
                try service.move(to: .retired, at: Instant(microsecondsSinceEpoch: retiredAt), by: actor)
            }
            service.id = Int64(index + 1)
            service.version = service.events.count

            let calendarIndex = levels.calendars.firstIndex { $0.id == level.time.calendar.id } ?? 0
            let criticalityWeight: Double = criticality == .critical ? 1.6 : criticality == .high ? 1.3 : 1
            result.append(ServicePlan(
                service: service, area: area, level: hasSLA ? level : levels.none.with(time: level.time),
                calendarIndex: calendarIndex, weight: criticalityWeight / pow(Double(ranks[index] + 8), 0.85),
                liveFrom: live.map { max($0, created + .hour) } ?? .max, retiredAt: retired ?? .max
            ))
        }
        return result
    }

    static func rows(_ services: [ServicePlan]) -> Batch {
        var table = TableRows(
            "services", ["id", "version", "name", "description", "owner", "criticality", "status", "sla_id", "created_at_us", "status_since_us"]
        )
        var batch = Batch(tables: [])
        for plan in services {
            let service = plan.service
            table.append([
                service.id!, Int64(service.version), service.name, service.description, service.owner, service.criticality.rawValue,
                service.status.rawValue, service.slaID, service.events[0].at.microsecondsSinceEpoch,
                service.statusSince!.microsecondsSinceEpoch,
            ])
            batch.events.append(service.events, recordID: service.id!)
        }
        batch.tables = [table]
        return batch
    }
}

extension ServiceLevel {
    /// No SLA, timed on `time` (a service without an SLA keeps its desk's hours).
    func with(time: WorkingTime) -> ServiceLevel {
        ServiceLevel(slaID: nil, name: name, time: time, targets: [:], fallback: fallback)
    }
}
