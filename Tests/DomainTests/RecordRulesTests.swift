import Foundation
import Testing
@testable import Domain

/// 2026-03-02T09:00:00Z, a Monday morning.
private let monday = Instant(secondsSinceEpoch: 1_772_442_000)

private func day(_ days: Int64) -> Instant { monday + .days(days) }

/// The field an `invalidField` error names, or nil for any other error.
private func fieldNamed(by error: DomainError?) -> String? {
    guard case let .invalidField(field, _, _)? = error else { return nil }
    return field
}

private func civil(_ year: Int, _ month: Int, _ day: Int) throws -> CivilDate {
    try #require(CivilDate(year: year, month: month, day: day))
}

// MARK: - Problem

@Suite("Problem records")
struct ProblemTests {
    static let legal: [ProblemState: Set<ProblemState>] = [
        .new: [.investigating, .closed],
        .investigating: [.resolved, .closed],
        .resolved: [.investigating, .closed],
        .closed: [],
    ]
    static let name: [ProblemState: String] = [.new: "new", .investigating: "investigating", .resolved: "resolved", .closed: "closed"]

    private func stored(in state: ProblemState) -> Problem {
        Problem(
            stored: 3, version: 1, title: "Relay drops TLS sessions", description: nil, serviceID: 4, state: state,
            rootCause: nil, workaround: nil, isKnownError: false, incidentIDs: [], events: []
        )
    }

    @Test("each problem move is allowed exactly when the problem process allows it", arguments: ProblemState.allCases, ProblemState.allCases)
    func transitions(from: ProblemState, to: ProblemState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        var problem = stored(in: from)
        if isLegal {
            try problem.move(to: to, at: day(1), by: "alice")
            #expect(problem.state == to)
            #expect(problem.events == [RecordEvent(at: day(1), actor: "alice", action: .transitioned, from: from, to: to)])
        } else {
            #expect(throws: DomainError.illegalTransition(record: "problem", from: fromName, to: toName)) {
                try problem.move(to: to, at: day(1), by: "alice")
            }
            #expect(problem.state == from)
            #expect(problem.events.isEmpty)
        }
    }

    @Test("the hand-written table covers every problem state")
    func tableCoversEveryState() {
        #expect(Set(Self.legal.keys) == Set(ProblemState.allCases))
        for state in ProblemState.allCases { #expect(state.rawValue == Self.name[state]) }
    }

    @Test("a problem without a root cause or workaround cannot be a known error")
    func knownErrorNeedsDocumentation() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        #expect(throws: DomainError.ruleViolated(record: "problem", rule: "a known error needs a documented root cause or workaround")) {
            try problem.markKnownError(at: day(1), by: "alice")
        }
        #expect(!problem.isKnownError)
        #expect(problem.knownErrorAt == nil)
    }

    @Test("a workaround alone is enough for a known error")
    func knownErrorWithWorkaround() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        try problem.move(to: .investigating, at: day(1), by: "alice")
        try problem.document(rootCause: nil, workaround: " restart the relay ", at: day(2), by: "bob")
        #expect(problem.workaround == "restart the relay")
        #expect(problem.rootCause == nil)
        try problem.markKnownError(at: day(3), by: "bob")
        #expect(problem.isKnownError)
        #expect(problem.knownErrorAt == day(3))
        #expect(problem.events.last == RecordEvent(at: day(3), actor: "bob", action: .knownError))
    }

    @Test("a root cause alone is enough for a known error")
    func knownErrorWithRootCause() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        try problem.document(rootCause: "cipher list excludes the client's suites", workaround: nil, at: day(2), by: "bob")
        try problem.markKnownError(at: day(3), by: "bob")
        #expect(problem.isKnownError)
    }

    @Test("marking a known error twice changes nothing the second time")
    func knownErrorIdempotent() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        try problem.document(rootCause: nil, workaround: "restart the relay", at: day(2), by: "bob")
        try problem.markKnownError(at: day(3), by: "bob")
        let once = problem
        try problem.markKnownError(at: day(5), by: "carol")
        #expect(problem == once)
        #expect(problem.knownErrorAt == day(3))
        #expect(problem.events.filter { $0.action == .knownError }.count == 1)
    }

    @Test("a closed problem cannot become a known error")
    func closedProblemNoKnownError() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        try problem.document(rootCause: nil, workaround: "restart the relay", at: day(1), by: "bob")
        try problem.move(to: .closed, at: day(2), by: "bob")
        #expect(throws: DomainError.ruleViolated(record: "problem", rule: "a closed problem cannot become a known error")) {
            try problem.markKnownError(at: day(3), by: "bob")
        }
        #expect(!problem.isKnownError)
    }

    @Test("a blank root cause is rejected naming the root cause")
    func blankRootCause() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        #expect(throws: DomainError.invalidField(field: "rootCause", value: "  ", expected: "a non-empty rootCause")) {
            try problem.document(rootCause: "  ", workaround: nil, at: day(1), by: "bob")
        }
        #expect(problem.rootCause == nil)
    }

    @Test("documentation refused for a blank workaround leaves the root cause undocumented")
    func refusedDocumentationChangesNothing() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        let before = problem
        #expect(throws: DomainError.invalidField(field: "workaround", value: "", expected: "a non-empty workaround")) {
            try problem.document(rootCause: "cipher list", workaround: "", at: day(1), by: "bob")
        }
        #expect(problem == before)
        #expect(problem.rootCause == nil)
    }

    @Test("a problem's resolution is its latest move to resolved, while resolved or closed")
    func resolvedAt() throws {
        var problem = try Problem(title: "Relay drops TLS sessions", at: monday, by: "alice")
        #expect(problem.openedAt == monday)
        try problem.move(to: .investigating, at: day(1), by: "alice")
        try problem.move(to: .resolved, at: day(4), by: "alice")
        #expect(problem.resolvedAt == day(4))
        try problem.move(to: .investigating, at: day(6), by: "alice")
        #expect(problem.resolvedAt == nil)
        try problem.move(to: .resolved, at: day(9), by: "alice")
        try problem.move(to: .closed, at: day(10), by: "alice")
        #expect(problem.resolvedAt == day(9))
    }
}

// MARK: - Service request

@Suite("Service requests")
struct ServiceRequestTests {
    static let legal: [RequestState: Set<RequestState>] = [
        .new: [.approved, .inFulfilment, .cancelled],
        .approved: [.inFulfilment, .cancelled],
        .inFulfilment: [.fulfilled, .cancelled],
        .fulfilled: [.closed, .inFulfilment],
        .closed: [],
        .cancelled: [],
    ]
    static let name: [RequestState: String] = [
        .new: "new", .approved: "approved", .inFulfilment: "in-fulfilment", .fulfilled: "fulfilled",
        .closed: "closed", .cancelled: "cancelled",
    ]

    @Test("each request move is allowed exactly when the fulfilment process allows it", arguments: RequestState.allCases, RequestState.allCases)
    func transitions(from: RequestState, to: RequestState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        var request = ServiceRequest(
            stored: 8, version: 1, title: "New laptop", requester: "frank", serviceID: nil, priority: .p4, state: from, events: []
        )
        if isLegal {
            try request.move(to: to, at: day(1), by: "gina", note: "ok")
            #expect(request.state == to)
            #expect(request.events == [RecordEvent(at: day(1), actor: "gina", action: .transitioned, from: from, to: to, detail: "ok")])
        } else {
            #expect(throws: DomainError.illegalTransition(record: "request", from: fromName, to: toName)) {
                try request.move(to: to, at: day(1), by: "gina")
            }
            #expect(request.state == from)
            #expect(request.events.isEmpty)
        }
    }

    @Test("the hand-written table covers every request state")
    func tableCoversEveryState() {
        #expect(Set(Self.legal.keys) == Set(RequestState.allCases))
        for state in RequestState.allCases { #expect(state.rawValue == Self.name[state]) }
    }

    @Test("a request is P4 unless said otherwise and needs a requester")
    func creation() throws {
        let request = try ServiceRequest(title: "New laptop", requester: "frank", at: monday, by: "frank")
        #expect(request.priority == .p4)
        #expect(request.state == .new)
        #expect(request.openedAt == monday)
        #expect(throws: DomainError.invalidField(field: "requester", value: "", expected: "a non-empty requester")) {
            try ServiceRequest(title: "New laptop", requester: "", at: monday, by: "frank")
        }
    }

    @Test("fulfilment time is the latest move to fulfilled, while fulfilled or closed")
    func fulfilledAt() throws {
        var request = try ServiceRequest(title: "New laptop", requester: "frank", at: monday, by: "frank")
        try request.move(to: .approved, at: day(1), by: "gina")
        try request.move(to: .inFulfilment, at: day(2), by: "hank")
        try request.move(to: .fulfilled, at: day(3), by: "hank")
        #expect(request.fulfilledAt == day(3))
        try request.move(to: .inFulfilment, at: day(4), by: "frank", note: "wrong keyboard layout")
        #expect(request.fulfilledAt == nil)
        try request.move(to: .fulfilled, at: day(5), by: "hank")
        try request.move(to: .closed, at: day(6), by: "frank")
        #expect(request.fulfilledAt == day(5))
    }
}

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

// MARK: - Service portfolio

@Suite("Service portfolio")
struct ServicePortfolioTests {
    static let legal: [PortfolioStatus: Set<PortfolioStatus>] = [
        .pipeline: [.catalog, .retired],
        .catalog: [.retired],
        .retired: [],
    ]
    static let name: [PortfolioStatus: String] = [.pipeline: "pipeline", .catalog: "catalog", .retired: "retired"]

    @Test("each portfolio move is allowed exactly when the portfolio allows it", arguments: PortfolioStatus.allCases, PortfolioStatus.allCases)
    func transitions(from: PortfolioStatus, to: PortfolioStatus) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        var service = try Service(name: "Mail", status: from, at: monday, by: "alice")
        if isLegal {
            try service.move(to: to, at: day(1), by: "alice")
            #expect(service.status == to)
        } else {
            #expect(throws: DomainError.illegalTransition(record: "service", from: fromName, to: toName)) {
                try service.move(to: to, at: day(1), by: "alice")
            }
            #expect(service.status == from)
        }
    }

    @Test("a service goes from pipeline to catalog to retired, and the portfolio remembers when")
    func pipelineCatalogRetired() throws {
        var service = try Service(name: " Mail ", owner: "alice", criticality: .high, at: monday, by: "alice")
        #expect(service.name == "Mail")
        #expect(service.status == .pipeline)
        #expect(service.statusSince == monday)
        try service.move(to: .catalog, at: day(30), by: "bob")
        #expect(service.statusSince == day(30))
        try service.move(to: .retired, at: day(400), by: "bob")
        #expect(service.status == .retired)
        #expect(service.statusSince == day(400))
        #expect(service.events.compactMap(\.to) == [.pipeline, .catalog, .retired])
    }

    @Test("a retired service cannot return to the catalog")
    func retiredToCatalog() throws {
        var service = try Service(name: "Fax gateway", status: .retired, at: monday, by: "alice")
        #expect(throws: DomainError.illegalTransition(record: "service", from: "retired", to: "catalog")) {
            try service.move(to: .catalog, at: day(1), by: "alice")
        }
        #expect(service.status == .retired)
        #expect(service.events.count == 1)
    }

    @Test("a catalog service cannot go back to the pipeline")
    func catalogToPipeline() throws {
        var service = try Service(name: "Mail", status: .catalog, at: monday, by: "alice")
        #expect(throws: DomainError.illegalTransition(record: "service", from: "catalog", to: "pipeline")) {
            try service.move(to: .pipeline, at: day(1), by: "alice")
        }
    }

    @Test("a service needs a name")
    func blankName() {
        #expect(throws: DomainError.invalidField(field: "name", value: "", expected: "a non-empty name")) {
            try Service(name: "", at: monday, by: "alice")
        }
    }
}

// MARK: - Service level agreements

@Suite("SLA targets and thresholds")
struct SLATargetTests {
    @Test("a response target longer than the resolution target is rejected naming the resolution")
    func responseAfterResolution() {
        let error = #expect(throws: DomainError.self) {
            try SLATarget(response: .hours(8), resolution: .hours(4))
        }
        #expect(fieldNamed(by: error) == "resolution")
    }

    @Test("a response target of zero is rejected naming the response")
    func zeroResponse() {
        let error = #expect(throws: DomainError.self) {
            try SLATarget(response: .zero, resolution: .hours(4))
        }
        #expect(fieldNamed(by: error) == "response")
    }

    @Test("equal response and resolution targets are accepted")
    func equalTargets() throws {
        let target = try SLATarget(response: .hours(4), resolution: .hours(4))
        #expect(target.response == .seconds(14_400))
        #expect(target.resolution == .seconds(14_400))
    }

    private static func targets() throws -> [Priority: SLATarget] {
        [
            .p1: try SLATarget(response: .minutes(15), resolution: .hours(4)),
            .p2: try SLATarget(response: .hours(1), resolution: .hours(8)),
        ]
    }

    @Test("the warning threshold must be above 0 and at most 1", arguments: [0.0, -0.25, 1.01, 2.0, .nan, .infinity])
    func thresholdOutOfBounds(threshold: Double) throws {
        let targets = try Self.targets()
        let error = #expect(throws: DomainError.self) {
            try ServiceLevelAgreement(name: "Gold", calendarID: 1, targets: targets, warningThreshold: threshold)
        }
        #expect(fieldNamed(by: error) == "warningThreshold")
    }

    @Test("thresholds inside (0, 1] are accepted", arguments: [0.01, 0.5, 0.75, 1.0])
    func thresholdInBounds(threshold: Double) throws {
        let sla = try ServiceLevelAgreement(name: "Gold", calendarID: 1, targets: try Self.targets(), warningThreshold: threshold)
        #expect(sla.warningThreshold == threshold)
    }

    @Test("the warning threshold defaults to 0.75")
    func defaultThreshold() throws {
        let sla = try ServiceLevelAgreement(name: "Gold", calendarID: 1, targets: try Self.targets())
        #expect(sla.warningThreshold == 0.75)
    }

    @Test("an SLA without targets or without a name is rejected naming the field")
    func missingParts() throws {
        #expect(throws: DomainError.invalidField(field: "targets", value: "", expected: "a target for at least one priority")) {
            try ServiceLevelAgreement(name: "Gold", calendarID: 1, targets: [:])
        }
        let targets = try Self.targets()
        #expect(throws: DomainError.invalidField(field: "name", value: " ", expected: "a non-empty name")) {
            try ServiceLevelAgreement(name: " ", calendarID: 1, targets: targets)
        }
    }

    @Test("an SLA gives response and resolution clocks for the priorities it covers, and none for the rest")
    func clocks() throws {
        let sla = try ServiceLevelAgreement(name: "Gold", calendarID: 1, targets: try Self.targets(), warningThreshold: 0.8)
        let calendar = try BusinessCalendar.twentyFourSeven(name: "Always", timeZoneIdentifier: "UTC")
        let p1 = try #require(try sla.clocks(for: .p1, calendar: calendar))
        #expect(p1.response.target == .seconds(900))
        #expect(p1.resolution.target == .seconds(14_400))
        #expect(p1.response.warningThreshold == 0.8)
        #expect(p1.resolution.warningThreshold == 0.8)
        #expect(try sla.clocks(for: .p3, calendar: calendar) == nil)
    }
}

// MARK: - Instants and civil dates

@Suite("Instants in ISO 8601")
struct InstantTests {
    @Test("an instant prints as UTC ISO 8601 with microseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (1_774_747_800_000_000, "2026-03-29T01:30:00.000000Z"),
        (1_774_747_800_123_456, "2026-03-29T01:30:00.123456Z"),
        (951_782_400_000_000, "2000-02-29T00:00:00.000000Z"),
        (1_709_251_199_999_999, "2024-02-29T23:59:59.999999Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
    ])
    func prints(micros: Int64, text: String) throws {
        let instant = Instant(microsecondsSinceEpoch: micros)
        #expect(instant.iso8601 == text)
        #expect(instant.description == text)
        #expect(Instant(iso8601: text) == instant)
    }

    @Test("ISO 8601 with a zone offset, a space, no seconds or a short fraction parses to the right instant", arguments: [
        ("2026-03-29T01:30Z", Int64(1_774_747_800_000_000)),
        ("2026-03-29T01:30:00Z", 1_774_747_800_000_000),
        ("2026-03-29 01:30:00Z", 1_774_747_800_000_000),
        ("2026-03-29T03:30:00+02:00", 1_774_747_800_000_000),
        ("2026-03-28T20:30:00-05:00", 1_774_747_800_000_000),
        ("2026-03-29T07:00:00+05:30", 1_774_747_800_000_000),
        ("2026-03-29T00:30:00+01:00", 1_774_740_600_000_000),
        ("2026-03-29T01:30:00.5Z", 1_774_747_800_500_000),
        ("2026-03-29T01:30:00.000001Z", 1_774_747_800_000_001),
        ("2026-03-29T01:30:00.1234567Z", 1_774_747_800_123_456),
        ("2026-03-29T03:30:00.25+02:00", 1_774_747_800_250_000),
    ])
    func parses(text: String, micros: Int64) {
        #expect(Instant(iso8601: text) == Instant(microsecondsSinceEpoch: micros))
    }

    @Test("text that is not a complete ISO 8601 instant is rejected", arguments: [
        "", "2026-03-29", "2026-03-29T01:30:00", "2026-03-29T01:30", "2026-02-30T00:00Z", "2026-03-29T24:00Z",
        "2026-03-29T01:60Z", "2026-03-29T01:30:60Z", "2026-03-29T01:30:00.Z", "2026-03-29T01:30+0200",
        "2026-03-29T01:30Zjunk", "2026-03-29X01:30Z", "2026-3-29T01:30:00Z", "2026-03-29T1:30:00Z",
    ])
    func rejects(text: String) {
        #expect(Instant(iso8601: text) == nil)
    }

    @Test("a zone offset that is not a real HH:MM is rejected", arguments: [
        "2026-03-29T01:30+02:60", "2026-03-29T01:30:00+24:00", "2026-03-29T01:30:00-99:99",
    ])
    func rejectsBadOffset(text: String) {
        #expect(Instant(iso8601: text) == nil)
    }

    @Test("instants subtract to durations and add durations")
    func arithmetic() {
        let start = Instant(secondsSinceEpoch: 1_774_747_800)
        let end = start + .hours(2) + .minutes(30)
        #expect(end == Instant(secondsSinceEpoch: 1_774_756_800))
        #expect(end - start == .seconds(9000))
        #expect(start - end == .seconds(-9000))
        #expect(end - .minutes(150) == start)
        #expect(Duration.days(1) == .seconds(86_400))
        #expect(Duration.milliseconds(1500).microseconds == 1_500_000)
        #expect(Duration.minutes(90).secondsValue == 5400)
    }

    @Test("whole seconds round towards the past, also before 1970")
    func secondsFloor() {
        #expect(Instant(microsecondsSinceEpoch: 1_999_999).secondsSinceEpoch == 1)
        #expect(Instant(microsecondsSinceEpoch: -1).secondsSinceEpoch == -1)
        #expect(Instant(microsecondsSinceEpoch: -1_000_000).secondsSinceEpoch == -1)
        #expect(Instant(microsecondsSinceEpoch: -1_000_001).secondsSinceEpoch == -2)
    }

    @Test("an instant from a Date is rounded to the microsecond")
    func fromDate() {
        #expect(Instant(Date(timeIntervalSince1970: 1_774_747_800.25)) == Instant(microsecondsSinceEpoch: 1_774_747_800_250_000))
        #expect(Instant(Date(timeIntervalSince1970: 0.0000016)) == Instant(microsecondsSinceEpoch: 2))
    }
}

@Suite("Civil dates")
struct CivilDateTests {
    @Test("known dates fall on the right weekday", arguments: [
        ("2026-11-25", Weekday.wednesday),
        ("2026-03-02", .monday),
        ("2026-03-08", .sunday),
        ("1970-01-01", .thursday),
        ("1969-12-31", .wednesday),
        ("2000-02-29", .tuesday),
        ("2024-02-29", .thursday),
        ("1900-01-01", .monday),
    ])
    func weekday(text: String, expected: Weekday) throws {
        let date = try #require(CivilDate(text))
        #expect(date.weekday == expected)
    }

    @Test("days that do not exist are rejected", arguments: [
        (2026, 2, 29), (2026, 4, 31), (2026, 13, 1), (2026, 0, 10), (2026, 1, 0), (2026, 1, 32), (1900, 2, 29), (2100, 2, 29),
    ])
    func invalidDates(year: Int, month: Int, day: Int) {
        #expect(CivilDate(year: year, month: month, day: day) == nil)
    }

    @Test("leap days exist in leap years", arguments: [2000, 2024, 2028])
    func leapDays(year: Int) {
        #expect(CivilDate(year: year, month: 2, day: 29) != nil)
    }

    @Test("only YYYY-MM-DD text for a real day parses", arguments: ["2026-02-29", "2026-2-28", "20260228", "2026-02-28T00:00", "", "2026-02"])
    func invalidText(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test("a sign is not part of a date field", arguments: ["+026-03-01", "2026-+3-01", "2026-03-+1"])
    func signedFields(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test("dates count days from 1970-01-01 both ways")
    func daysSinceEpoch() throws {
        #expect(try civil(1970, 1, 1).daysSinceEpoch == 0)
        #expect(try civil(1969, 12, 31).daysSinceEpoch == -1)
        #expect(try civil(2026, 1, 1).daysSinceEpoch == 20_454)
        #expect(CivilDate(daysSinceEpoch: 20_454) == (try civil(2026, 1, 1)))
        #expect(CivilDate(daysSinceEpoch: 11_016) == (try civil(2000, 2, 29)))
    }

    @Test("adding days crosses months, leap days and years")
    func addingDays() throws {
        #expect(try civil(2026, 2, 28).adding(days: 1) == (try civil(2026, 3, 1)))
        #expect(try civil(2024, 2, 28).adding(days: 1) == (try civil(2024, 2, 29)))
        #expect(try civil(2026, 12, 31).adding(days: 1) == (try civil(2027, 1, 1)))
        #expect(try civil(2026, 3, 1).adding(days: -1) == (try civil(2026, 2, 28)))
    }

    @Test("dates print as YYYY-MM-DD and order by day")
    func printAndOrder() throws {
        #expect(try civil(2026, 3, 2).description == "2026-03-02")
        #expect(try civil(2026, 3, 2) < (try civil(2026, 3, 10)))
        #expect(try civil(2025, 12, 31) < (try civil(2026, 1, 1)))
    }

    @Test("weekday names parse by their first three letters")
    func weekdayNames() {
        #expect(Weekday(name: "Wednesday") == .wednesday)
        #expect(Weekday(name: "sun") == .sunday)
        #expect(Weekday(name: "xyz") == nil)
        #expect(Weekday.allCases.map(\.shortName) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    }
}
