import Foundation
import ITSMConfig
import Testing

@Suite("Configuration: confirm links, resend interval, per-client subscribe limit, trusted proxies")
struct SubscriptionOptionsTests {
    @Test("defaults: links work 72 hours, one confirmation per 10 minutes, 20 subscribes per client per 10 minutes, no proxy")
    func defaults() async throws {
        let options = try await ITSMConfiguration.load(environment: [:]).subscriptions
        #expect(options.confirmLinkHours == 72)
        #expect(options.resendMinutes == 10)
        #expect(options.subscribeLimit == 20)
        #expect(options.subscribeWindowMinutes == 10)
        #expect(options.trustedProxies.isEmpty)
    }

    @Test("each is read from its ITSM_ variable")
    func fromEnvironment() async throws {
        let options = try await ITSMConfiguration.load(environment: [
            "ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS": "24", "ITSM_SUBSCRIPTIONS_RESEND_MINUTES": "30",
            "ITSM_HTTP_SUBSCRIBE_LIMIT": "0", "ITSM_HTTP_SUBSCRIBE_WINDOW_MINUTES": "60",
            "ITSM_HTTP_TRUSTED_PROXIES": " 127.0.0.1, ::1 ,10.0.0.2",
        ]).subscriptions
        #expect(options.confirmLinkHours == 24)
        #expect(options.resendMinutes == 30)
        #expect(options.subscribeLimit == 0)
        #expect(options.subscribeWindowMinutes == 60)
        #expect(options.trustedProxies == ["127.0.0.1", "::1", "10.0.0.2"])
    }

    @Test("the config file takes numbers and wins over the environment")
    func fromFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-config-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"subscriptions": {"confirmLinkHours": 48}, "http": {"subscribeLimit": 5}}"#.utf8).write(to: file)
        let options = try await ITSMConfiguration.load(
            environment: ["ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS": "24"], configFile: file.path).subscriptions
        #expect(options.confirmLinkHours == 48)
        #expect(options.subscribeLimit == 5)
    }

    @Test("a bad value names its variable and what was expected", arguments: [
        ("ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS", "0",
         "ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS (config: subscriptions.confirmLinkHours): expected a whole number from 1 to 720, got '0'"),
        ("ITSM_SUBSCRIPTIONS_RESEND_MINUTES", "ten",
         "ITSM_SUBSCRIPTIONS_RESEND_MINUTES (config: subscriptions.resendMinutes): expected a whole number from 1 to 1440, got 'ten'"),
        ("ITSM_HTTP_SUBSCRIBE_LIMIT", "-1",
         "ITSM_HTTP_SUBSCRIBE_LIMIT (config: http.subscribeLimit): expected a whole number from 0 to 100000, got '-1'"),
        ("ITSM_HTTP_SUBSCRIBE_WINDOW_MINUTES", "0",
         "ITSM_HTTP_SUBSCRIBE_WINDOW_MINUTES (config: http.subscribeWindowMinutes): expected a whole number from 1 to 1440, got '0'"),
        ("ITSM_HTTP_TRUSTED_PROXIES", "127.0.0.1,proxy.internal",
         "ITSM_HTTP_TRUSTED_PROXIES (config: http.trustedProxies): expected IP addresses separated by commas, e.g. 127.0.0.1,::1, got 'proxy.internal'"),
    ])
    func badValue(variable: String, value: String, message: String) async throws {
        do {
            _ = try await ITSMConfiguration.load(environment: [variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.description == message)
        }
    }
}
