import Foundation
import Testing
@testable import Domain

// Shared with ImprovementTests and InstantAndCivilDateTests; `monday` also with SubscriptionTests and SubscriptionConsentTests.

/// 2026-03-02T09:00:00Z, a Monday morning.
let monday = Instant(secondsSinceEpoch: 1_772_442_000)

func day(_ days: Int64) -> Instant { monday + .days(days) }

/// The field an `invalidField` error names, or nil for any other error.
func fieldNamed(by error: DomainError?) -> String? {
    guard case let .invalidField(field, _, _)? = error else { return nil }
    return field
}

func civil(_ year: Int, _ month: Int, _ day: Int) throws -> CivilDate {
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
