import Foundation
import Testing
@testable import Domain

@Suite("Priority and the impact x urgency matrix")
struct PriorityMatrixTests {
    /// The ITIL default table, cell by cell, written out by hand.
    static let itilCells: [(Impact, Urgency, Priority)] = [
        (.high, .high, .p1), (.high, .medium, .p2), (.high, .low, .p3),
        (.medium, .high, .p2), (.medium, .medium, .p3), (.medium, .low, .p4),
        (.low, .high, .p3), (.low, .medium, .p4), (.low, .low, .p4),
    ]

    @Test("the ITIL default table gives the textbook priority for every impact and urgency", arguments: itilCells)
    func itilCell(impact: Impact, urgency: Urgency, expected: Priority) {
        #expect(PriorityMatrix.itil.priority(impact: impact, urgency: urgency) == expected)
    }

    @Test("the ITIL table covers exactly the nine impact and urgency pairs")
    func itilCoversNineCells() {
        #expect(Self.itilCells.count == 9)
        #expect(Set(Self.itilCells.map { "\($0.0.rawValue)/\($0.1.rawValue)" }).count == 9)
    }

    @Test("priorities parse with or without the P, in either case", arguments: [
        ("P2", Priority.p2), ("p3", .p3), ("4", .p4), ("P1", .p1), (" p2 ", .p2),
    ])
    func parses(text: String, expected: Priority) throws {
        #expect(try Priority(parsing: text) == expected)
    }

    @Test("text that is not P1..P4 is rejected naming the priority field", arguments: ["P5", "high", "", "P0", "P", "0"])
    func rejects(text: String) {
        #expect(throws: DomainError.invalidField(field: "priority", value: text, expected: "one of P1, P2, P3, P4")) {
            try Priority(parsing: text)
        }
    }

    @Test("a signed number is not a priority", arguments: ["P+2", "+3"])
    func rejectsSigned(text: String) {
        #expect(throws: DomainError.invalidField(field: "priority", value: text, expected: "one of P1, P2, P3, P4")) {
            try Priority(parsing: text)
        }
    }

    @Test("priorities print as P1..P4 and P1 sorts first")
    func descriptionAndOrder() {
        #expect(Priority.allCases.map(\.description) == ["P1", "P2", "P3", "P4"])
        #expect(Priority.p1 < .p2)
        #expect([Priority.p4, .p1, .p3, .p2].sorted() == [.p1, .p2, .p3, .p4])
    }

    @Test("a minimum priority of P2 admits P1 and P2 only")
    func isAtLeast() {
        #expect(Priority.allCases.filter { $0.isAtLeast(.p2) } == [.p1, .p2])
    }

    @Test("a custom matrix with all nine cells is used as given")
    func customMatrix() throws {
        let matrix = try PriorityMatrix([
            .high: [.high: .p1, .medium: .p1, .low: .p2],
            .medium: [.high: .p2, .medium: .p2, .low: .p3],
            .low: [.high: .p3, .medium: .p4, .low: .p4],
        ])
        #expect(matrix.priority(impact: .high, urgency: .medium) == .p1)
        #expect(matrix.priority(impact: .high, urgency: .low) == .p2)
        #expect(matrix.priority(impact: .medium, urgency: .medium) == .p2)
        #expect(matrix.priority(impact: .medium, urgency: .low) == .p3)
        #expect(matrix.priority(impact: .low, urgency: .high) == .p3)
        #expect(matrix != PriorityMatrix.itil)
    }

    @Test("a custom matrix missing a cell is rejected naming that cell")
    func customMatrixMissingCell() {
        #expect(throws: DomainError.invalidField(
            field: "priorityMatrix.medium.low", value: "", expected: "a priority for every impact and urgency pair"
        )) {
            try PriorityMatrix([
                .high: [.high: .p1, .medium: .p2, .low: .p3],
                .medium: [.high: .p2, .medium: .p3],
                .low: [.high: .p3, .medium: .p4, .low: .p4],
            ])
        }
    }

    @Test("a custom matrix missing a whole impact row is rejected naming its first cell")
    func customMatrixMissingRow() {
        #expect(throws: DomainError.invalidField(
            field: "priorityMatrix.low.high", value: "", expected: "a priority for every impact and urgency pair"
        )) {
            try PriorityMatrix([
                .high: [.high: .p1, .medium: .p2, .low: .p3],
                .medium: [.high: .p2, .medium: .p3, .low: .p4],
            ])
        }
    }
}
