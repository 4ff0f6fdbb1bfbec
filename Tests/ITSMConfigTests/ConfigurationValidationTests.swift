import Foundation
import ITSMConfig
import Storage
import Testing

/// A setting with a value that must be refused, and words the message must use to say why.
struct BadSetting: Sendable, CustomTestStringConvertible {
    var key: ITSMConfiguration.Key
    var value: String
    var explanation: [String]

    var testDescription: String { "\(key.environmentName)=\(value)" }
}

@Suite("Configuration: refused values")
struct ConfigurationValidationTests {
    static let badSettings: [BadSetting] = [
        BadSetting(key: .databaseURL, value: "mysql://x", explanation: ["'mysql://x'", "expected sqlite:PATH or postgres://"]),
        BadSetting(key: .databaseURL, value: "sqlite:", explanation: ["no file path"]),
        BadSetting(key: .databaseURL, value: "postgres://itsm@db.internal", explanation: ["needs a database name"]),
        BadSetting(key: .databaseURL, value: "postgres://db.internal/itsm", explanation: ["needs a user name"]),
        BadSetting(key: .smtpURL, value: "http://x", explanation: ["'http://x'", "expected smtp://"]),
        BadSetting(key: .smtpURL, value: "smtp://", explanation: ["'smtp://'", "expected smtp://"]),
        BadSetting(key: .publicURL, value: "ftp://x", explanation: ["'ftp://x'", "http:// or https://"]),
        BadSetting(key: .publicURL, value: "https://x.example.org/?lang=en", explanation: ["without query or fragment"]),
        BadSetting(key: .publicURL, value: "https://x.example.org/#top", explanation: ["without query or fragment"]),
        BadSetting(key: .publicURL, value: "itsm.example.org", explanation: ["http:// or https://"]),
        BadSetting(key: .httpBind, value: "nope", explanation: ["'nope'", "HOST:PORT"]),
        BadSetting(key: .httpBind, value: "1.2.3.4:0", explanation: ["'1.2.3.4:0'", "from 1 to 65535"]),
        BadSetting(key: .httpBind, value: "[::1]:70000", explanation: ["'[::1]:70000'", "from 1 to 65535"]),
        BadSetting(key: .httpBind, value: "::1:8080", explanation: ["'::1:8080'", "HOST:PORT"]),
        BadSetting(key: .secretKey, value: "too-short", explanation: ["9 characters long", "at least 32"]),
        BadSetting(key: .secretKey, value: String(repeating: "k", count: 31), explanation: ["31 characters long", "at least 32"]),
    ]

    @Test("a bad environment value is refused with a message naming the variable, the config path and what is wrong", arguments: badSettings)
    func refusedFromEnvironment(setting: BadSetting) async throws {
        let error = try #require(await loadError([setting.key.environmentName: setting.value]))
        guard case .invalid(let key, _) = error else {
            Issue.record("expected .invalid, got \(error)")
            return
        }
        #expect(key == setting.key)
        let message = error.description
        #expect(message.hasPrefix("\(setting.key.environmentName) (config: \(setting.key.rawValue)): "))
        for words in setting.explanation {
            #expect(message.contains(words), "\(message)")
        }
    }

    @Test("a bad value from the config file is refused the same way", arguments: badSettings)
    func refusedFromFile(setting: BadSetting) async throws {
        let parts = setting.key.rawValue.split(separator: ".")
        let json = try JSONSerialization.data(withJSONObject: [String(parts[0]): [String(parts[1]): setting.value]])
        try await withTemporaryDirectory { directory in
            let path = try writeFile(String(decoding: json, as: UTF8.self), named: "config.json", in: directory)
            let error = try #require(await loadError([:], configFile: path))
            let message = error.description
            #expect(message.contains("config: \(setting.key.rawValue)"))
            for words in setting.explanation {
                #expect(message.contains(words), "\(message)")
            }
        }
    }

    @Test("a good environment value does not save a bad one in the config file")
    func badFileValueBeatsGoodEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile(#"{"http": {"bind": "nope"}}"#, named: "config.json", in: directory)
            let error = await loadError(["ITSM_HTTP_BIND": "127.0.0.1:8080"], configFile: path)
            #expect(error == .invalid(key: .httpBind, reason: "expected HOST:PORT such as 127.0.0.1:8080, got 'nope'"))
        }
    }

    @Test("a secret key of exactly 32 characters is accepted")
    func secretKeyOfThirtyTwo() async throws {
        let key = String(repeating: "k", count: 32)
        #expect(try await ITSMConfiguration.load(environment: ["ITSM_SECRET_KEY": key]).secretKey == key)
    }

    @Test("every key's environment name and message name", arguments: [
        (ITSMConfiguration.Key.databaseURL, "ITSM_DATABASE_URL"),
        (.smtpURL, "ITSM_SMTP_URL"),
        (.publicURL, "ITSM_PUBLIC_URL"),
        (.httpBind, "ITSM_HTTP_BIND"),
        (.secretKey, "ITSM_SECRET_KEY"),
        (.stateDirectory, "ITSM_STATE_DIRECTORY"),
        (.smtpRequireTLS, "ITSM_SMTP_REQUIRE_TLS"),
        (.smtpCAFile, "ITSM_SMTP_CA_FILE"),
        (.smtpEHLOName, "ITSM_SMTP_EHLO_NAME"),
        (.smtpConnections, "ITSM_SMTP_CONNECTIONS"),
        (.smtpConnectTimeout, "ITSM_SMTP_CONNECT_TIMEOUT"),
        (.smtpTotalTimeout, "ITSM_SMTP_TOTAL_TIMEOUT"),
    ])
    func keyNames(key: ITSMConfiguration.Key, environmentName: String) {
        #expect(key.environmentName == environmentName)
        #expect(key.displayName == "\(environmentName) (config: \(key.rawValue))")
    }
}

@Suite("Configuration: passwords stay out of messages")
struct PasswordRedactionTests {
    static let password = "Sup3rSecretPw"

    @Test("a valid PostgreSQL URL's password is masked in its description")
    func validURLDescription() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "ITSM_DATABASE_URL": "postgres://itsm:\(Self.password)@db.internal:5432/itsm",
        ])
        #expect(configuration.database == .postgres(url: "postgres://itsm:\(Self.password)@db.internal:5432/itsm"))
        #expect(configuration.database.description == "postgres://itsm:***@db.internal:5432/itsm")
    }

    @Test("a refused database URL's password is not in the error", arguments: [
        "mysql://itsm:\(password)@db.internal/itsm",
        "postgres://itsm:\(password)@db.internal",
        "postgresql://itsm:\(password)@/itsm",
    ])
    func refusedDatabaseURL(url: String) async throws {
        let error = try #require(await loadError(["ITSM_DATABASE_URL": url]))
        #expect(error.description.contains("ITSM_DATABASE_URL"))
        #expect(!error.description.contains(Self.password), "\(error)")
        #expect(error.description.contains("itsm:***@"))
    }

    @Test("a refused SMTP URL's password is not in the error")
    func refusedSMTPURL() async throws {
        let error = try #require(await loadError(["ITSM_SMTP_URL": "http://mailer:\(Self.password)@relay.internal"]))
        #expect(error.description.contains("ITSM_SMTP_URL"))
        #expect(!error.description.contains(Self.password), "\(error)")
        #expect(error.description.contains("mailer:***@relay.internal"))
    }

    @Test("a password containing '@' is masked whole")
    func passwordWithAtSign() async throws {
        // People paste passwords unencoded; the mask must not leave the tail after the first '@'.
        let url = "postgres://itsm:Sup3r@Secret@db.internal:5432/itsm"
        let location = try DatabaseLocation(parsing: url)
        #expect(!location.description.contains("Secret"), "\(location.description)")
        #expect(!location.description.contains("Sup3r"), "\(location.description)")
        #expect(location.description.hasSuffix("@db.internal:5432/itsm"))
    }

    @Test("a bad config file's settings are not echoed into the error")
    func badFileDoesNotEchoSecrets() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile(#"{"secret": {"key": "\#(Self.password)-0123456789abcdef0123"}, "#, named: "config.json", in: directory)
            let error = try #require(await loadError([:], configFile: path))
            #expect(!error.description.contains(Self.password), "\(error)")
        }
    }
}
