import Foundation
import ITSMConfig
import Testing

@Suite("Configuration: SMTP credentials and outbox policy")
struct OutboxAndCredentialOptionsTests {
    @Test("SMTP credentials can come from their own variables instead of the URL")
    func credentialsFromEnvironment() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "ITSM_SMTP_URL": "smtp://relay.internal:587", "ITSM_SMTP_USERNAME": "itsm", "ITSM_SMTP_PASSWORD": "p@ss:word",
        ])
        guard case .smtp(_, let options) = configuration.mail else {
            Issue.record("expected SMTP delivery")
            return
        }
        #expect(options.username == "itsm")
        #expect(options.password == "p@ss:word")
    }

    @Test("the outbox gives up after 48 hours and suppresses after one hard bounce unless told otherwise")
    func outboxDefaults() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [:])
        #expect(configuration.outbox.maximumAgeHours == 48)
        #expect(configuration.outbox.suppressAfterPermanentFailures == 1)
    }

    @Test("the outbox policy is read from ITSM_OUTBOX_MAX_AGE_HOURS and ITSM_OUTBOX_SUPPRESS_AFTER")
    func outboxFromEnvironment() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "ITSM_OUTBOX_MAX_AGE_HOURS": "12", "ITSM_OUTBOX_SUPPRESS_AFTER": "3",
        ])
        #expect(configuration.outbox.maximumAgeHours == 12)
        #expect(configuration.outbox.suppressAfterPermanentFailures == 3)
    }

    @Test("an outbox value out of range names its variable and the range", arguments: [
        ("ITSM_OUTBOX_MAX_AGE_HOURS", "0", "ITSM_OUTBOX_MAX_AGE_HOURS (config: outbox.maxAgeHours): expected a whole number from 1 to 720, got '0'"),
        ("ITSM_OUTBOX_SUPPRESS_AFTER", "many", "ITSM_OUTBOX_SUPPRESS_AFTER (config: outbox.suppressAfter): expected a whole number from 1 to 100, got 'many'"),
    ])
    func outboxOutOfRange(variable: String, value: String, message: String) async throws {
        do {
            _ = try await ITSMConfiguration.load(environment: [variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.description == message)
        }
    }
}
