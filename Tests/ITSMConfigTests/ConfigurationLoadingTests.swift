import Foundation
import ITSMConfig
import Storage
import Testing

/// The error `load` throws for this environment and file, or nil if it loads.
func loadError(_ environment: [String: String], configFile: String? = nil) async -> ConfigurationError? {
    do {
        _ = try await ITSMConfiguration.load(environment: environment, configFile: configFile)
        return nil
    } catch {
        return error
    }
}

/// The SMTP server mail goes to, or nil when mail goes to files.
func smtpURL(_ configuration: ITSMConfiguration) -> URL? {
    guard case .smtp(let url, _) = configuration.mail else { return nil }
    return url
}

@Suite("Configuration: defaults, environment and config file")
struct ConfigurationLoadingTests {
    @Test("with nothing set, everything lives under ./var and the server answers on 127.0.0.1:8080")
    func defaults() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [:])
        #expect(configuration.database == .sqlite(path: "./var/itsm.sqlite"))
        #expect(configuration.database.description == "sqlite:./var/itsm.sqlite")
        #expect(configuration.mail == .files(directory: "./var/mail"))
        #expect(configuration.publicURL.absoluteString == "http://127.0.0.1:8080")
        #expect(configuration.httpBind.host == "127.0.0.1")
        #expect(configuration.httpBind.port == 8080)
        #expect(configuration.secretKey == nil)
        #expect(configuration.stateDirectory == "./var")
    }

    @Test("unrelated environment variables are ignored")
    func unrelatedEnvironment() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "DATABASE_URL": "postgres://someone@elsewhere/other", "HTTP_BIND": "nope", "PATH": "/usr/bin",
        ])
        #expect(configuration == (try await ITSMConfiguration.load(environment: [:])))
    }

    @Test("every setting is read from its ITSM_* environment variable")
    func everyKeyFromEnvironment() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "ITSM_DATABASE_URL": "postgres://itsm@db.internal:5432/itsm",
            "ITSM_SMTP_URL": "smtp://relay.internal:587",
            "ITSM_PUBLIC_URL": "https://itsm.example.org",
            "ITSM_HTTP_BIND": "0.0.0.0:9090",
            "ITSM_SECRET_KEY": "0123456789abcdef0123456789abcdef-env",
            "ITSM_STATE_DIRECTORY": "/srv/itsm",
        ])
        #expect(configuration.database == .postgres(url: "postgres://itsm@db.internal:5432/itsm"))
        #expect(smtpURL(configuration)?.absoluteString == "smtp://relay.internal:587")
        #expect(configuration.publicURL.absoluteString == "https://itsm.example.org")
        #expect(configuration.httpBind.host == "0.0.0.0")
        #expect(configuration.httpBind.port == 9090)
        #expect(configuration.secretKey == "0123456789abcdef0123456789abcdef-env")
        #expect(configuration.stateDirectory == "/srv/itsm")
    }

    @Test("the state directory moves the default database and mail folder with it")
    func stateDirectoryMovesDefaults() async throws {
        let configuration = try await ITSMConfiguration.load(environment: ["ITSM_STATE_DIRECTORY": "/srv/itsm"])
        #expect(configuration.database == .sqlite(path: "/srv/itsm/itsm.sqlite"))
        #expect(configuration.mail == .files(directory: "/srv/itsm/mail"))
        #expect(configuration.stateDirectory == "/srv/itsm")
    }

    @Test("an explicit database URL wins over the state directory's default")
    func databaseURLWinsOverStateDirectory() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "ITSM_STATE_DIRECTORY": "/srv/itsm", "ITSM_DATABASE_URL": "sqlite:/data/other.sqlite",
        ])
        #expect(configuration.database == .sqlite(path: "/data/other.sqlite"))
        #expect(configuration.mail == .files(directory: "/srv/itsm/mail"))
    }

    @Test("a wildcard bind without ITSM_PUBLIC_URL is refused: links would point at 0.0.0.0", arguments: ["0.0.0.0:9000", "[::]:9000"])
    func wildcardBindNeedsPublicURL(bind: String) async throws {
        do {
            _ = try await ITSMConfiguration.load(environment: ["ITSM_HTTP_BIND": bind])
            Issue.record("\(bind) was accepted without a public URL")
        } catch {
            #expect(error.description.hasPrefix("ITSM_PUBLIC_URL (config: public.url): must be set when ITSM_HTTP_BIND listens on every address"))
        }
        let configured = try await ITSMConfiguration.load(environment: ["ITSM_HTTP_BIND": bind, "ITSM_PUBLIC_URL": "https://itsm.example.org"])
        #expect(configured.publicURL.absoluteString == "https://itsm.example.org")
    }

    @Test("without ITSM_PUBLIC_URL the public URL follows the bind address", arguments: [
        ("localhost:8081", "http://localhost:8081"),
        ("[::1]:8443", "http://[::1]:8443"),
    ])
    func publicURLFollowsBind(bind: String, expected: String) async throws {
        let configuration = try await ITSMConfiguration.load(environment: ["ITSM_HTTP_BIND": bind])
        #expect(configuration.publicURL.absoluteString == expected)
    }

    @Test("a trailing slash on the public URL is dropped, so links do not get '//'", arguments: [
        ("https://itsm.example.org/", "https://itsm.example.org"),
        ("https://example.org/itsm/", "https://example.org/itsm"),
        ("https://example.org/itsm", "https://example.org/itsm"),
    ])
    func publicURLTrailingSlash(text: String, expected: String) async throws {
        let configuration = try await ITSMConfiguration.load(environment: ["ITSM_PUBLIC_URL": text])
        #expect(configuration.publicURL.absoluteString == expected)
    }

    @Test("blank values count as unset and surrounding spaces are trimmed")
    func blankAndPaddedValues() async throws {
        let configuration = try await ITSMConfiguration.load(environment: [
            "ITSM_DATABASE_URL": "", "ITSM_SMTP_URL": "   ", "ITSM_HTTP_BIND": "  127.0.0.1:9001 ",
        ])
        #expect(configuration.database == .sqlite(path: "./var/itsm.sqlite"))
        #expect(configuration.mail == .files(directory: "./var/mail"))
        #expect(configuration.httpBind.port == 9001)
        #expect(configuration.publicURL.absoluteString == "http://127.0.0.1:9001")
    }

    @Test("smtps:// and credentials in the SMTP URL are accepted")
    func smtpsWithCredentials() async throws {
        let configuration = try await ITSMConfiguration.load(environment: ["ITSM_SMTP_URL": "smtps://mailer:pw@smtp.example.org:465"])
        let url = try #require(smtpURL(configuration), "expected SMTP delivery, got \(configuration.mail)")
        #expect(url.scheme == "smtps")
        #expect(url.host == "smtp.example.org")
        #expect(url.port == 465)
        #expect(url.user == "mailer")
    }

    @Test("a config file with every setting is read in the documented JSON shape")
    func fileWithEverySetting() async throws {
        try await withTemporaryDirectory { directory in
            let file = try writeFile("""
                {
                  "database": {"url": "sqlite:/data/file.sqlite"},
                  "smtp": {"url": "smtp://file-relay:25"},
                  "public": {"url": "https://file.example.org"},
                  "http": {"bind": "10.0.0.1:8000"},
                  "secret": {"key": "ffffffffffffffffffffffffffffffff-file"},
                  "state": {"directory": "/var/lib/itsm"}
                }
                """, named: "config.json", in: directory)
            let configuration = try await ITSMConfiguration.load(environment: [:], configFile: file)
            #expect(configuration.database == .sqlite(path: "/data/file.sqlite"))
            #expect(smtpURL(configuration)?.absoluteString == "smtp://file-relay:25")
            #expect(configuration.publicURL.absoluteString == "https://file.example.org")
            #expect(configuration.httpBind.description == "10.0.0.1:8000")
            #expect(configuration.secretKey == "ffffffffffffffffffffffffffffffff-file")
            #expect(configuration.stateDirectory == "/var/lib/itsm")
        }
    }

    @Test("the config file overrides the environment key by key; keys it lacks still come from the environment")
    func fileOverridesEnvironmentKeyByKey() async throws {
        try await withTemporaryDirectory { directory in
            let file = try writeFile("""
                {"http": {"bind": "10.0.0.1:8000"}, "database": {"url": "sqlite:/data/file.sqlite"}}
                """, named: "config.json", in: directory)
            let configuration = try await ITSMConfiguration.load(environment: [
                "ITSM_DATABASE_URL": "postgres://itsm@db.internal/itsm",
                "ITSM_HTTP_BIND": "127.0.0.1:7000",
                "ITSM_PUBLIC_URL": "https://env.example.org",
                "ITSM_SMTP_URL": "smtp://env-relay",
                "ITSM_SECRET_KEY": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-env",
                "ITSM_STATE_DIRECTORY": "/env/state",
            ], configFile: file)
            // From the file:
            #expect(configuration.httpBind.description == "10.0.0.1:8000")
            #expect(configuration.database == .sqlite(path: "/data/file.sqlite"))
            // From the environment:
            #expect(configuration.publicURL.absoluteString == "https://env.example.org")
            #expect(smtpURL(configuration)?.absoluteString == "smtp://env-relay")
            #expect(configuration.secretKey == "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-env")
            #expect(configuration.stateDirectory == "/env/state")
        }
    }

    @Test("an empty JSON object changes nothing")
    func emptyFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = try writeFile("{}", named: "config.json", in: directory)
            let environment = ["ITSM_HTTP_BIND": "127.0.0.1:7000"]
            let fromFile = try await ITSMConfiguration.load(environment: environment, configFile: file)
            #expect(fromFile == (try await ITSMConfiguration.load(environment: environment)))
        }
    }

    @Test("a config file that does not exist is an error naming its path")
    func missingFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = (directory as NSString).appendingPathComponent("nowhere.json")
            let error = try #require(await loadError([:], configFile: path))
            #expect(error == .unreadableFile(path: path, reason: "no such file"))
            #expect(error.description.contains(path))
            #expect(error.description.contains("no such file"))
        }
    }

    @Test("a config file that is not a JSON object of settings is an error naming its path", arguments: [
        "{\"http\": {\"bind\": ",
        "http.bind = 127.0.0.1:8080",
        "",
        "[\"127.0.0.1:8080\"]",
    ])
    func invalidFile(contents: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile(contents, named: "broken.json", in: directory)
            let error = try #require(await loadError([:], configFile: path))
            guard case .unreadableFile(let reportedPath, let reason) = error else {
                Issue.record("expected .unreadableFile, got \(error)")
                return
            }
            #expect(reportedPath == path)
            #expect(reason.contains("JSON"))
            #expect(error.description.hasPrefix("config file \(path): "))
        }
    }

    @Test("a number where the config file needs text is an error naming the key, not read past")
    func numberInFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile(#"{"http": {"bind": 9090}}"#, named: "config.json", in: directory)
            let error = await loadError(["ITSM_HTTP_BIND": "127.0.0.1:7000"], configFile: path)
            #expect(error == .invalid(key: .httpBind, reason: "expected a string in \(path), got a number or boolean"))
        }
    }

    @Test("numbers and booleans are accepted for the numeric SMTP settings")
    func numericSettingsInFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = try writeFile(
                #"{"smtp": {"url": "smtp://127.0.0.1:2525", "connections": 3, "requireTls": true, "totalTimeout": 30}}"#,
                named: "config.json", in: directory
            )
            let configuration = try await ITSMConfiguration.load(environment: [:], configFile: path)
            guard case let .smtp(_, options) = configuration.mail else {
                Issue.record("expected SMTP delivery, got \(configuration.mail)")
                return
            }
            #expect(options.connections == 3)
            #expect(options.requireTLS)
            #expect(options.totalTimeoutSeconds == 30)
        }
    }

    @Test("a setting of the wrong JSON type in the config file is an error naming its config path, not silently ignored", arguments: [
        (#"{"http": {"bind": ["127.0.0.1:9090"]}}"#, "http.bind"),
        (#"{"database": {"url": {"host": "db.internal"}}}"#, "database.url"),
        (#"{"secret": {"key": 1234567890123456789}}"#, "secret.key"),
    ])
    func wrongTypeInFile(json: String, configPath: String) async throws {
        try await withTemporaryDirectory { directory in
            // The file means *something* here; falling back to the default, or (worse) skipping the
            // environment variable as well, hides the mistake until the service misbehaves.
            let path = try writeFile(json, named: "config.json", in: directory)
            let error = await loadError([:], configFile: path)
            let message = try #require(error, "\(json) loaded without complaint").description
            #expect(message.contains(configPath), "\(message)")
        }
    }
}
