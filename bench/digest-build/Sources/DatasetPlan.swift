import Domain

/// What to generate: the period, the seed and how many records of each kind.
///
/// Scale 1.0 is the issue-5 benchmark: 1M incidents, 200k changes, 50k problems and 2k services
/// over the two years before `end`. Requests and improvements are not in the list; they
/// get a proportionate 200k and 120 so every digest section has data.
struct DatasetPlan: Sendable {
    let seed: UInt64
    let scale: Double
    /// The first instant after the data: every event happens before it.
    let end: Instant
    /// Two years (730 days) before `end`.
    let start: Instant

    init(seed: UInt64, scale: Double, end: Instant) {
        self.seed = seed
        self.scale = scale
        self.end = end
        self.start = end - .days(730)
    }

    var services: Int { max(20, scaled(2000)) }
    var incidents: Int { scaled(1_000_000) }
    var changes: Int { scaled(200_000) }
    var problems: Int { scaled(50_000) }
    var requests: Int { scaled(200_000) }
    var improvements: Int { max(6, scaled(120)) }

    private func scaled(_ count: Int) -> Int { Int((Double(count) * scale).rounded()) }

    /// The random stream for one kind of record.
    func random(_ stream: Stream) -> SeededRandom { SeededRandom(seed: seed, stream: stream.rawValue) }

    enum Stream: UInt64 {
        case services = 1, problems, incidents, changes, requests, improvements, freezes, verify
    }

    var startDay: CivilDate { CivilDate(daysSinceEpoch: Int(start.secondsSinceEpoch / 86_400)) }
    var endDay: CivilDate { CivilDate(daysSinceEpoch: Int(end.secondsSinceEpoch / 86_400)) }
}

extension Int64 {
    static let second: Int64 = 1_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour
}
