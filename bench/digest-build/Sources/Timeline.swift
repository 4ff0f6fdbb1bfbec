import Domain

/// Applies a record's planned moves in order and stops at the first one after `end`: the
/// record is left in the state it had at `end`, with a trail that never runs backwards in time.
struct Timeline {
    let end: Int64
    private(set) var last: Int64
    private(set) var stopped = false

    init(opened: Int64, end: Int64) {
        self.end = end
        self.last = opened
    }

    /// Runs `move` at `time` (or at the previous move's instant if that is later) unless the
    /// record's history has reached `end`. Returns whether the move happened.
    @discardableResult
    mutating func at(_ time: Int64, _ move: (Instant) throws -> Void) throws -> Bool {
        guard !stopped else { return false }
        let time = max(time, last)
        guard time < end else {
            stopped = true
            return false
        }
        try move(Instant(microsecondsSinceEpoch: time))
        last = time
        return true
    }
}

/// Picks services in proportion to their weight, among those live at an instant.
struct ServiceSampler: Sendable {
    let services: [ServicePlan]
    private let choice: WeightedChoice

    init(_ services: [ServicePlan]) {
        self.services = services
        self.choice = WeightedChoice(services.map(\.weight))
    }

    /// A service live at the instant `instantOn` gives for it (arrival times depend on the
    /// service's local time), or nil after several misses (a record without a service).
    func draw(_ random: inout SeededRandom, instantOn: (ServicePlan, inout SeededRandom) -> Int64) -> (index: Int, at: Int64)? {
        for _ in 0..<30 {
            let index = choice.draw(&random)
            let at = instantOn(services[index], &random)
            if services[index].isLive(at: at) { return (index, at) }
        }
        return nil
    }
}
