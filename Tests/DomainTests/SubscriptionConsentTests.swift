import Foundation
import Testing
@testable import Domain

private let confirmText = "Send me the Operations weekly digest every Monday."

private func rejectedField(_ make: () throws(DomainError) -> Void) -> String? {
    do {
        try make()
        return nil
    } catch {
        guard case let .invalidField(field, _, _) = error else { return nil }
        return field
    }
}

@Suite("ConsentRecord: what was agreed, when and how")
struct SubscriptionConsentTests {
    @Test("a web consent keeps the IP, the User-Agent, the text shown and the list")
    func web() throws {
        let record = try ConsentRecord(
            at: monday, action: .confirmed, method: .web(ipAddress: " 192.0.2.7 ", userAgent: "Mozilla/5.0 (X11; Linux x86_64)"),
            confirmationText: confirmText, listSlug: "ops-weekly"
        )
        #expect(record.at == monday)
        #expect(record.action == .confirmed)
        #expect(record.method == .web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64)"))
        #expect(record.confirmationText == confirmText)
        #expect(record.listSlug == "ops-weekly")
    }

    @Test("IPv6 addresses are accepted", arguments: ["2001:db8::7", "::1", "::ffff:192.0.2.7", "FE80::1"])
    func ipv6(_ ip: String) throws {
        let record = try ConsentRecord(at: monday, action: .subscribed, method: .web(ipAddress: ip, userAgent: nil))
        #expect(record.method == .web(ipAddress: ip, userAgent: nil))
    }

    @Test("a User-Agent is cut to 512 characters; an empty one counts as none")
    func userAgentTruncated() throws {
        let long = String(repeating: "a", count: 500) + String(repeating: "ü", count: 100)
        let record = try ConsentRecord(at: monday, action: .subscribed, method: .web(ipAddress: "192.0.2.7", userAgent: long))
        guard case let .web(_, agent?) = record.method else {
            Issue.record("expected a web method with a user agent")
            return
        }
        #expect(agent.count == 512)
        #expect(agent == String(repeating: "a", count: 500) + String(repeating: "ü", count: 12))
        let empty = try ConsentRecord(at: monday, action: .subscribed, method: .web(ipAddress: "192.0.2.7", userAgent: ""))
        #expect(empty.method == .web(ipAddress: "192.0.2.7", userAgent: nil))
    }

    @Test("a CLI consent keeps the operator and the reason; a system one its reason")
    func cliAndSystem() throws {
        let cli = try ConsentRecord(at: monday, action: .suppressed, method: .cli(operator: " alice ", reason: "asked by phone"))
        #expect(cli.method == .cli(operator: "alice", reason: "asked by phone"))
        #expect(cli.listSlug == nil)
        let system = try ConsentRecord(at: monday, action: .suppressed, method: .system(reason: "550 5.1.1 user unknown"))
        #expect(system.method == .system(reason: "550 5.1.1 user unknown"))
    }

    @Test(
        "control characters in any field are refused, naming the field",
        arguments: [
            (ConsentMethod.web(ipAddress: "192.0.2.7\n", userAgent: nil), nil, nil, "ipAddress"),
            (.web(ipAddress: "192.0.2.7", userAgent: "Mozilla\r\nX-Injected: 1"), nil, nil, "userAgent"),
            (.web(ipAddress: "192.0.2.7", userAgent: "Mozilla\u{0}"), nil, nil, "userAgent"),
            (.cli(operator: "al\u{1B}[31mice", reason: nil), nil, nil, "operator"),
            (.cli(operator: "alice", reason: "asked\nby phone"), nil, nil, "reason"),
            (.system(reason: "bounce\u{7}"), nil, nil, "reason"),
            (.cli(operator: "alice", reason: nil), "Yes,\nplease", nil, "confirmationText"),
            (.cli(operator: "alice", reason: nil), "Ye\u{85}s", nil, "confirmationText"),
            (.cli(operator: "alice", reason: nil), nil, "ops\nweekly", "listSlug"),
        ] as [(ConsentMethod, String?, String?, String)]
    )
    func controlCharacters(_ method: ConsentMethod, _ text: String?, _ slug: String?, _ field: String) {
        #expect(rejectedField { () throws(DomainError) in
            _ = try ConsentRecord(at: monday, action: .subscribed, method: method, confirmationText: text, listSlug: slug)
        } == field)
    }

    @Test("an IP field that is not an address is refused", arguments: ["", "localhost", "192.0.2.7; DROP TABLE", "12345", String(repeating: "1.", count: 30)])
    func badIP(_ ip: String) {
        #expect(rejectedField { () throws(DomainError) in
            _ = try ConsentRecord(at: monday, action: .subscribed, method: .web(ipAddress: ip, userAgent: nil))
        } == "ipAddress")
    }

    @Test("an operator and a system reason are required")
    func requiredText() {
        #expect(rejectedField { () throws(DomainError) in
            _ = try ConsentRecord(at: monday, action: .erased, method: .cli(operator: " ", reason: nil))
        } == "operator")
        #expect(rejectedField { () throws(DomainError) in
            _ = try ConsentRecord(at: monday, action: .erased, method: .system(reason: ""))
        } == "reason")
    }

    @Test("the list must be a valid slug")
    func listSlug() {
        #expect(rejectedField { () throws(DomainError) in
            _ = try ConsentRecord(at: monday, action: .subscribed, method: .system(reason: "import"), listSlug: "Ops Weekly")
        } == "listSlug")
    }

    @Test("the actions have the names the export and the database use")
    func actionNames() {
        #expect(ConsentAction.allCases.map(\.rawValue) == ["subscribed", "confirmed", "unsubscribed", "suppressed", "unsuppressed", "erased"])
    }

    @Test("the export form is plain JSON with the method as a tagged object")
    func exportJSON() throws {
        let record = try ConsentRecord(
            at: monday, action: .subscribed, method: .web(ipAddress: "192.0.2.7", userAgent: "curl/7.88"),
            confirmationText: "Yes", listSlug: "ops-weekly"
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        #expect(json == #"{"action":"subscribed","at":{"microsecondsSinceEpoch":1772442000000000},"confirmationText":"Yes","listSlug":"ops-weekly","method":{"web":{"ipAddress":"192.0.2.7","userAgent":"curl/7.88"}}}"#)
    }

    @Test("a stored record is rebuilt as stored")
    func stored() {
        let record = ConsentRecord(stored: monday, action: .erased, method: .system(reason: "gdpr"), confirmationText: nil, listSlug: nil)
        #expect(record.action == .erased)
        #expect(record.method == .system(reason: "gdpr"))
    }
}
