import Foundation
import ITSMConfig
import Testing

/// The SMTP options mail goes out with, or nil when mail goes to files.
private func smtpOptions(_ configuration: ITSMConfiguration) -> ITSMConfiguration.SMTPOptions? {
    guard case .smtp(_, let options) = configuration.mail else { return nil }
    return options
}

@Suite("Configuration: SMTP options")
struct SMTPOptionsTests {
    @Test("with only ITSM_SMTP_URL: no TLS requirement, system CAs, 8 connections, 10 s to connect, 60 s per message")
    func defaults() async throws {
        let configuration = try await ITSMConfiguration.load(environment: ["ITSM_SMTP_URL": "smtp://relay.internal"])
        let options = try #require(smtpOptions(configuration))
        #expect(options.requireTLS == false)
        #expect(options.caFile == nil)
        #expect(options.ehloName == nil)
        #expect(options.connections == 8)
        #expect(options.connectTimeoutSeconds == 10)
        #expect(options.totalTimeoutSeconds == 60)
    }

    @Test("each option is read from its ITSM_SMTP_* variable")
    func fromEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let caFile = try writeFile("-----BEGIN CERTIFICATE-----\n", named: "ca.pem", in: directory)
            let configuration = try await ITSMConfiguration.load(environment: [
                "ITSM_SMTP_URL": "smtp://relay.internal:587",
                "ITSM_SMTP_REQUIRE_TLS": "yes",
                "ITSM_SMTP_CA_FILE": caFile,
                "ITSM_SMTP_EHLO_NAME": "mailer.example.org",
                "ITSM_SMTP_CONNECTIONS": "4",
                "ITSM_SMTP_CONNECT_TIMEOUT": "5",
                "ITSM_SMTP_TOTAL_TIMEOUT": "120",
            ])
            let options = try #require(smtpOptions(configuration))
            #expect(options.requireTLS == true)
            #expect(options.caFile == caFile)
            #expect(options.ehloName == "mailer.example.org")
            #expect(options.connections == 4)
            #expect(options.connectTimeoutSeconds == 5)
            #expect(options.totalTimeoutSeconds == 120)
        }
    }

    @Test("JSON booleans and numbers in the config file are accepted for the options")
    func fromFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile("""
                {"smtp": {"url": "smtps://relay.internal", "requireTls": true, "connections": 2, "connectTimeout": 3, "totalTimeout": 30}}
                """, named: "config.json", in: directory)
            let configuration = try await ITSMConfiguration.load(environment: ["ITSM_SMTP_CONNECTIONS": "16"], configFile: path)
            let options = try #require(smtpOptions(configuration))
            #expect(options.requireTLS == true)
            #expect(options.connections == 2)
            #expect(options.connectTimeoutSeconds == 3)
            #expect(options.totalTimeoutSeconds == 30)
        }
    }

    @Test("a bad SMTP option is refused with a message naming its variable and the accepted values", arguments: [
        BadSetting(key: .smtpRequireTLS, value: "maybe", explanation: ["expected true or false", "'maybe'"]),
        BadSetting(key: .smtpCAFile, value: "/nonexistent/ca.pem", explanation: ["cannot read the CA file '/nonexistent/ca.pem'"]),
        BadSetting(key: .smtpEHLOName, value: "mailer example", explanation: ["expected a host name", "'mailer example'"]),
        BadSetting(key: .smtpConnections, value: "0", explanation: ["from 1 to 64", "'0'"]),
        BadSetting(key: .smtpConnections, value: "65", explanation: ["from 1 to 64", "'65'"]),
        BadSetting(key: .smtpConnections, value: "many", explanation: ["whole number", "'many'"]),
        BadSetting(key: .smtpConnectTimeout, value: "601", explanation: ["from 1 to 600", "'601'"]),
        BadSetting(key: .smtpTotalTimeout, value: "0", explanation: ["from 1 to 3600", "'0'"]),
        BadSetting(key: .smtpTotalTimeout, value: "1.5", explanation: ["whole number", "'1.5'"]),
    ])
    func refused(setting: BadSetting) async throws {
        let error = try #require(await loadError(["ITSM_SMTP_URL": "smtp://relay.internal", setting.key.environmentName: setting.value]))
        let message = error.description
        #expect(message.hasPrefix("\(setting.key.environmentName) (config: \(setting.key.rawValue)): "), "\(message)")
        for words in setting.explanation {
            #expect(message.contains(words), "\(message)")
        }
    }
}
