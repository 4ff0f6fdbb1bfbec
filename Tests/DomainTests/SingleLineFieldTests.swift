@testable import Domain
import Testing

@Suite("one-line fields")
struct SingleLineFieldTests {
    let at = Instant(secondsSinceEpoch: 1_780_383_600)

    @Test("a title or actor with a line break is refused, since it can reach a mail header")
    func lineBreaksRefused() {
        #expect(throws: DomainError.invalidField(field: "title", value: "Mail down\nBcc: x@y", expected: "one line of text without control characters")) {
            try Incident(title: "Mail down\nBcc: x@y", impact: .high, urgency: .high, at: at, by: "desk")
        }
        #expect(throws: DomainError.invalidField(field: "actor", value: "desk\r\nX: y", expected: "one line of text without control characters")) {
            try Incident(title: "Mail down", impact: .high, urgency: .high, at: at, by: "desk\r\nX: y")
        }
    }

    @Test("a description keeps its line breaks")
    func descriptionsKeepLines() throws {
        let incident = try Incident(title: "Mail down", description: "Line 1\nLine 2", impact: .low, urgency: .low, at: at, by: "desk")
        #expect(incident.description == "Line 1\nLine 2")
    }
}
