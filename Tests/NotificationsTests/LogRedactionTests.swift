@testable import Notifications
import Testing

@Suite("log redaction")
struct LogRedactionTests {
    @Test("addresses in a server reply keep only their domain", arguments: [
        ("550 5.1.1 <nobody@example.org>: Recipient address rejected", "550 5.1.1 <***@example.org>: Recipient address rejected"),
        ("permanent failure (SMTP 550): 550 bob.smith@example.org unknown", "permanent failure (SMTP 550): 550 ***@example.org unknown"),
        ("451 4.3.0 Try again later", "451 4.3.0 Try again later"),
        ("to a@x.example, b@y.example", "to ***@x.example, ***@y.example"),
        ("@ alone and trailing@", "@ alone and ***@"),
    ])
    func masksLocalParts(input: String, expected: String) {
        #expect(LogRedaction.maskingAddresses(in: input) == expected)
    }
}
