import Testing
@testable import Domain

// MARK: - Improvement

@Suite("Continual service improvement register")
struct ImprovementTests {
    static let legal: [ImprovementState: Set<ImprovementState>] = [
        .proposed: [.approved, .cancelled],
        .approved: [.inProgress, .cancelled],
        .inProgress: [.completed, .cancelled],
        .completed: [],
        .cancelled: [],
    ]
    static let name: [ImprovementState: String] = [
        .proposed: "proposed", .approved: "approved", .inProgress: "in-progress", .completed: "completed", .cancelled: "cancelled",
    ]

    /// Reduce P2 MTTR from 10 to 5 business hours by the end of June 2026.
    private func mttr(due: CivilDate? = nil) throws -> Improvement {
        try Improvement(title: "Faster P2 fixes", metric: "MTTR P2 (business hours)", baseline: 10, target: 5, dueDate: due, at: monday, by: "alice")
    }

    @Test("each improvement move is allowed exactly when the register allows it", arguments: ImprovementState.allCases, ImprovementState.allCases)
    func transitions(from: ImprovementState, to: ImprovementState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        var improvement = try mttr()
        improvement.state = from
        let events = improvement.events
        if isLegal {
            try improvement.move(to: to, at: day(1), by: "alice")
            #expect(improvement.state == to)
            #expect(improvement.events.last == RecordEvent(at: day(1), actor: "alice", action: .transitioned, from: from, to: to))
        } else {
            #expect(throws: DomainError.illegalTransition(record: "improvement", from: fromName, to: toName)) {
                try improvement.move(to: to, at: day(1), by: "alice")
            }
            #expect(improvement.state == from)
            #expect(improvement.events == events)
        }
    }

    @Test("the hand-written table covers every improvement state")
    func tableCoversEveryState() {
        #expect(Set(Self.legal.keys) == Set(ImprovementState.allCases))
        for state in ImprovementState.allCases { #expect(state.rawValue == Self.name[state]) }
    }

    @Test("a target equal to the baseline is rejected naming the target")
    func targetEqualsBaseline() {
        #expect(throws: DomainError.invalidField(field: "target", value: "10.0", expected: "a finite number different from the baseline (10.0)")) {
            try Improvement(title: "Nothing to gain", metric: "MTTR", baseline: 10, target: 10, at: monday, by: "alice")
        }
    }

    @Test("a baseline or target that is not a finite number is rejected naming it")
    func nonFinite() {
        let baseline = #expect(throws: DomainError.self) {
            try Improvement(title: "x", metric: "MTTR", baseline: .nan, target: 5, at: monday, by: "alice")
        }
        #expect(fieldNamed(by: baseline) == "baseline")
        let target = #expect(throws: DomainError.self) {
            try Improvement(title: "x", metric: "MTTR", baseline: 10, target: .infinity, at: monday, by: "alice")
        }
        #expect(fieldNamed(by: target) == "target")
    }

    @Test("a new improvement starts at its baseline with the baseline as first measurement")
    func startsAtBaseline() throws {
        let improvement = try mttr()
        #expect(improvement.current == 10)
        #expect(improvement.progress == 0)
        #expect(improvement.state == .proposed)
        let expected: [RecordEvent<ImprovementState>] = [
            RecordEvent(at: monday, actor: "alice", action: .created, to: .proposed),
            RecordEvent(at: monday, actor: "alice", action: .measured, detail: "10"),
        ]
        #expect(improvement.events == expected)
    }

    @Test("both events of a new improvement carry the trimmed actor")
    func creationEventsTrimActor() throws {
        let improvement = try Improvement(title: "Faster P2 fixes", metric: "MTTR", baseline: 10, target: 5, at: monday, by: " alice ")
        #expect(improvement.events.map(\.actor) == ["alice", "alice"])
    }

    @Test("progress is the share of the way from baseline to target, clamped to 0...1, for a falling target", arguments: [
        (7.0, 0.6), (10.0, 0.0), (5.0, 1.0), (12.0, 0.0), (3.0, 1.0), (9.0, 0.2),
    ])
    func progressFalling(current: Double, expected: Double) throws {
        var improvement = try mttr()
        try improvement.measure(current, at: day(7), by: "alice")
        #expect(improvement.progress == expected)
    }

    @Test("progress is clamped to 0...1 for a rising target too", arguments: [
        (86.0, 0.4), (80.0, 0.0), (95.0, 1.0), (70.0, 0.0), (99.0, 1.0),
    ])
    func progressRising(current: Double, expected: Double) throws {
        var improvement = try Improvement(title: "More first-contact fixes", metric: "FCR %", baseline: 80, target: 95, at: monday, by: "alice")
        try improvement.measure(current, at: day(7), by: "alice")
        #expect(improvement.progress == expected)
    }

    @Test("the target is met once progress reaches 1")
    func targetMet() throws {
        var improvement = try mttr()
        try improvement.measure(5.5, at: day(7), by: "alice")
        #expect(!improvement.isTargetMet)
        try improvement.measure(4.5, at: day(8), by: "alice")
        #expect(improvement.isTargetMet)
    }

    @Test("the value as of an instant is the last measurement at or before it")
    func valueAsOf() throws {
        var improvement = try mttr()
        try improvement.measure(8, at: day(7), by: "alice")
        try improvement.measure(7.5, at: day(14), by: "alice")
        #expect(improvement.value(asOf: monday - .seconds(1)) == nil)
        #expect(improvement.value(asOf: monday) == 10)
        #expect(improvement.value(asOf: day(7) - .seconds(1)) == 10)
        #expect(improvement.value(asOf: day(7)) == 8)
        #expect(improvement.value(asOf: day(10)) == 8)
        #expect(improvement.value(asOf: day(30)) == 7.5)
        #expect(improvement.current == 7.5)
        #expect(improvement.events.last == RecordEvent(at: day(14), actor: "alice", action: .measured, detail: "7.5"))
    }

    @Test("a measurement that is not a finite number is rejected naming current")
    func nonFiniteMeasurement() throws {
        var improvement = try mttr()
        #expect(throws: DomainError.invalidField(field: "current", value: "nan", expected: "a finite number")) {
            try improvement.measure(.nan, at: day(1), by: "alice")
        }
        #expect(improvement.current == 10)
    }

    @Test("a measurement refused for a blank actor leaves the current value unchanged")
    func refusedMeasurementChangesNothing() throws {
        var improvement = try mttr()
        let before = improvement
        #expect(throws: DomainError.invalidField(field: "actor", value: "", expected: "a non-empty actor")) {
            try improvement.measure(6, at: day(1), by: "")
        }
        #expect(improvement == before)
        #expect(improvement.current == 10)
    }

    @Test("an improvement is late after its due date while its target is unmet")
    func isLate() throws {
        var improvement = try mttr(due: civil(2026, 6, 30))
        try improvement.move(to: .approved, at: day(1), by: "alice")
        try improvement.move(to: .inProgress, at: day(2), by: "alice")
        try improvement.measure(7, at: day(20), by: "alice")
        #expect(!improvement.isLate(today: try civil(2026, 6, 30)))
        #expect(improvement.isLate(today: try civil(2026, 7, 1)))
        try improvement.measure(5, at: day(130), by: "alice")
        #expect(!improvement.isLate(today: try civil(2026, 7, 1)))
    }

    @Test("a completed, cancelled or undated improvement is never late")
    func notLate() throws {
        var completed = try mttr(due: civil(2026, 6, 30))
        completed.state = .completed
        #expect(!completed.isLate(today: try civil(2027, 1, 1)))
        var cancelled = try mttr(due: civil(2026, 6, 30))
        cancelled.state = .cancelled
        #expect(!cancelled.isLate(today: try civil(2027, 1, 1)))
        let undated = try mttr()
        #expect(!undated.isLate(today: try civil(2027, 1, 1)))
    }
}
