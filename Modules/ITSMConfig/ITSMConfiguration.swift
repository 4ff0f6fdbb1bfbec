import Configuration
import Foundation
import Storage
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Everything both apps read at start-up, validated. Environment variables first, overridden by
/// a JSON config file (`--config FILE`) when one is given.
public struct ITSMConfiguration: Sendable, Hashable {
    /// Where mail goes: an SMTP server, or `.eml` files in a folder when no server is configured.
    public enum MailDelivery: Sendable, Hashable {
        case smtp(URL, SMTPOptions)
        case files(directory: String)
    }

    /// SMTP details beyond the URL.
    public struct SMTPOptions: Sendable, Hashable {
        /// Refuse to send unless the connection is encrypted (STARTTLS on smtp://, or smtps://).
        public var requireTLS = false
        /// PEM CA certificates to trust, for a private CA or a self-signed server.
        public var caFile: String?
        /// The name sent with EHLO.
        public var ehloName: String?
        /// Parallel SMTP connections.
        public var connections = 8
        public var connectTimeoutSeconds = 10
        public var totalTimeoutSeconds = 60
        /// AUTH credentials when not in the URL (never logged).
        public var username: String?
        public var password: String?
    }

    /// How the outbox retries and when it gives up on an address.
    public struct OutboxOptions: Sendable, Hashable {
        /// A message still failing transiently after this many hours is marked failed.
        public var maximumAgeHours = 48
        /// Permanent refusals of an address before it is suppressed.
        public var suppressAfterPermanentFailures = 1
    }

    /// Double opt-in and the public link pages.
    public struct SubscriptionOptions: Sendable, Hashable {
        /// How long a mailed confirm link works.
        public var confirmLinkHours = 72
        /// At most one confirmation mail per address per list in this many minutes.
        public var resendMinutes = 10
        /// Subscribe requests allowed per client address (IPv4, or IPv6 /64) per window; 0 turns the limit off.
        public var subscribeLimit = 20
        public var subscribeWindowMinutes = 10
        /// Reverse proxies (IP addresses) whose X-Forwarded-For names the client.
        public var trustedProxies: Set<String> = []
    }

    /// The digest schedule loop.
    public struct SchedulerOptions: Sendable, Hashable {
        public enum CatchUp: String, Sendable, Hashable, CaseIterable {
            /// Every period missed while no scheduler ran is sent, each with its own period.
            case all
            /// Only the latest missed period is sent.
            case latest
        }

        public var catchUp = CatchUp.all
        /// How often the loop looks for due digests.
        public var tickSeconds = 30
        /// Serve Prometheus metrics at /metrics on the HTTP listener.
        public var metricsEnabled = true
    }

    public var database: DatabaseLocation
    public var mail: MailDelivery
    /// The base of every link put into an email, without a trailing slash.
    public var publicURL: URL
    public var httpBind: HTTPBind
    /// The link-signing key, if configured; when nil the daemon keeps one under `stateDirectory`.
    public var secretKey: String?
    /// Where the embedded database, file mail and the generated key live by default.
    public var stateDirectory: String
    public var outbox = OutboxOptions()
    public var subscriptions = SubscriptionOptions()
    public var scheduler = SchedulerOptions()

    /// The keys, as environment variable and as config-file path.
    public enum Key: String, CaseIterable, Sendable {
        case databaseURL = "database.url"
        case smtpURL = "smtp.url"
        case publicURL = "public.url"
        case httpBind = "http.bind"
        case secretKey = "secret.key"
        case stateDirectory = "state.directory"
        case smtpRequireTLS = "smtp.requireTls"
        case smtpCAFile = "smtp.caFile"
        case smtpEHLOName = "smtp.ehloName"
        case smtpConnections = "smtp.connections"
        case smtpConnectTimeout = "smtp.connectTimeout"
        case smtpTotalTimeout = "smtp.totalTimeout"
        case smtpUsername = "smtp.username"
        case smtpPassword = "smtp.password"
        case outboxMaximumAgeHours = "outbox.maxAgeHours"
        case outboxSuppressAfter = "outbox.suppressAfter"
        case confirmLinkHours = "subscriptions.confirmLinkHours"
        case resendMinutes = "subscriptions.resendMinutes"
        case subscribeLimit = "http.subscribeLimit"
        case subscribeWindowMinutes = "http.subscribeWindowMinutes"
        case trustedProxies = "http.trustedProxies"
        case catchUp = "scheduler.catchUp"
        case tickSeconds = "scheduler.tickSeconds"
        case metricsEnabled = "metrics.enabled"

        /// `ITSM_DATABASE_URL` for `database.url`.
        public var environmentName: String {
            // camelCase words become separate words: smtp.caFile -> ITSM_SMTP_CA_FILE.
            var name = "ITSM_"
            for character in rawValue {
                if character == "." { name += "_" } else if character.isUppercase { name += "_" + String(character) } else { name += character.uppercased() }
            }
            return name
        }
        /// Whether a JSON number or boolean is an acceptable value (the rest are text: URLs, paths, keys).
        var acceptsNumber: Bool {
            switch self {
            case .smtpRequireTLS, .smtpConnections, .smtpConnectTimeout, .smtpTotalTimeout, .outboxMaximumAgeHours, .outboxSuppressAfter,
                 .confirmLinkHours, .resendMinutes, .subscribeLimit, .subscribeWindowMinutes, .tickSeconds, .metricsEnabled: true
            default: false
            }
        }

        /// How an error message names it.
        public var displayName: String { "\(environmentName) (config: \(rawValue))" }
    }

    /// Loads from `environment` and, if given, the JSON file at `configFile` (which wins).
    public static func load(environment: [String: String], configFile: String? = nil) async throws(ConfigurationError) -> ITSMConfiguration {
        var providers: [any ConfigProvider] = []
        if let configFile {
            guard FileManager.default.fileExists(atPath: configFile) else {
                throw .unreadableFile(path: configFile, reason: "no such file")
            }
            try checkValueTypes(inFile: configFile)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw .unreadableFile(path: configFile, reason: "not a JSON object of settings (\(error))")
            }
        }
        providers.append(EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["itsm"]))
        return try parse(ConfigReader(providers: providers))
    }

    static func parse(_ reader: ConfigReader) throws(ConfigurationError) -> ITSMConfiguration {
        func text(_ key: Key, secret: Bool = false) -> String? {
            // Numbers and booleans in a JSON file read as text too.
            if !secret, reader.string(forKey: ConfigKey(key.rawValue)) == nil {
                if let value = reader.int(forKey: ConfigKey(key.rawValue)) { return String(value) }
                if let value = reader.bool(forKey: ConfigKey(key.rawValue)) { return String(value) }
            }
            guard let value = reader.string(forKey: ConfigKey(key.rawValue), isSecret: secret)?.trimmingCharacters(in: .whitespaces),
                  !value.isEmpty else { return nil }
            return value
        }

        let state = text(.stateDirectory) ?? "./var"

        let database: DatabaseLocation
        if let raw = text(.databaseURL, secret: true) {
            do {
                database = try DatabaseLocation(parsing: raw)
            } catch {
                throw .invalid(key: .databaseURL, reason: error.description)
            }
        } else {
            database = .sqlite(path: (state as NSString).appendingPathComponent("itsm.sqlite"))
        }

        let mail: MailDelivery
        if let raw = text(.smtpURL, secret: true) {
            guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps",
                  let host = url.host, !host.isEmpty else {
                throw .invalid(key: .smtpURL, reason: "expected smtp://[user:password@]host[:port] or smtps://..., got '\(redactedURL(raw))'")
            }
            mail = .smtp(url, try smtpOptions(reader, text: { key, secret in text(key, secret: secret) }))
        } else {
            mail = .files(directory: (state as NSString).appendingPathComponent("mail"))
        }

        let httpBind: HTTPBind
        do {
            httpBind = try HTTPBind(parsing: text(.httpBind) ?? "127.0.0.1:8080")
        } catch {
            throw .invalid(key: .httpBind, reason: error.reason)
        }

        if text(.publicURL) == nil, ["0.0.0.0", "::", "[::]"].contains(httpBind.host) {
            throw .invalid(key: .publicURL, reason: "must be set when \(Key.httpBind.environmentName) listens on every address (\(httpBind)): links in mail need the name people reach this server by")
        }
        let publicText = text(.publicURL) ?? "http://\(httpBind)"
        guard let publicURL = URL(string: publicText.hasSuffix("/") ? String(publicText.dropLast()) : publicText),
              let scheme = publicURL.scheme?.lowercased(), scheme == "http" || scheme == "https",
              publicURL.host?.isEmpty == false, publicURL.query == nil, publicURL.fragment == nil else {
            throw .invalid(key: .publicURL, reason: "expected an http:// or https:// URL without query or fragment, e.g. https://itsm.example.org, got '\(publicText)'")
        }

        let secretKey = text(.secretKey, secret: true)
        if let secretKey, secretKey.utf8.count < 32 {
            throw .invalid(key: .secretKey, reason: "the key is \(secretKey.utf8.count) characters long; use at least 32 random characters (e.g. `openssl rand -hex 32`)")
        }

        func number(_ key: Key, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            try wholeNumber(key, range, text: text(key))
        }
        var outbox = OutboxOptions()
        if let value = try number(.outboxMaximumAgeHours, 1...720) { outbox.maximumAgeHours = value }
        if let value = try number(.outboxSuppressAfter, 1...100) { outbox.suppressAfterPermanentFailures = value }

        var subscriptions = SubscriptionOptions()
        if let value = try number(.confirmLinkHours, 1...720) { subscriptions.confirmLinkHours = value }
        if let value = try number(.resendMinutes, 1...1440) { subscriptions.resendMinutes = value }
        if let value = try number(.subscribeLimit, 0...100_000) { subscriptions.subscribeLimit = value }
        if let value = try number(.subscribeWindowMinutes, 1...1440) { subscriptions.subscribeWindowMinutes = value }
        if let raw = text(.trustedProxies) {
            let proxies = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let bad = proxies.first(where: { !isIPAddress($0) }) {
                throw .invalid(key: .trustedProxies, reason: "expected IP addresses separated by commas, e.g. 127.0.0.1,::1, got '\(bad)'")
            }
            subscriptions.trustedProxies = Set(proxies)
        }

        var scheduler = SchedulerOptions()
        if let raw = text(.catchUp) {
            guard let value = SchedulerOptions.CatchUp(rawValue: raw.lowercased()) else {
                throw .invalid(key: .catchUp, reason: "expected all or latest, got '\(raw)'")
            }
            scheduler.catchUp = value
        }
        if let value = try number(.tickSeconds, 1...3600) { scheduler.tickSeconds = value }
        if let raw = text(.metricsEnabled) {
            guard let value = parseBool(raw) else { throw .invalid(key: .metricsEnabled, reason: "expected true or false, got '\(raw)'") }
            scheduler.metricsEnabled = value
        }

        var configuration = ITSMConfiguration(
            database: database, mail: mail, publicURL: publicURL, httpBind: httpBind, secretKey: secretKey, stateDirectory: state
        )
        configuration.outbox = outbox
        configuration.subscriptions = subscriptions
        configuration.scheduler = scheduler
        return configuration
    }

    static func smtpOptions(_ reader: ConfigReader, text: (Key, Bool) -> String?) throws(ConfigurationError) -> SMTPOptions {
        var options = SMTPOptions()
        if let raw = text(.smtpRequireTLS, false) {
            guard let value = parseBool(raw) else { throw .invalid(key: .smtpRequireTLS, reason: "expected true or false, got '\(raw)'") }
            options.requireTLS = value
        }
        if let path = text(.smtpCAFile, false) {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .invalid(key: .smtpCAFile, reason: "cannot read the CA file '\(path)'")
            }
            options.caFile = path
        }
        if let name = text(.smtpEHLOName, false) {
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                throw .invalid(key: .smtpEHLOName, reason: "expected a host name such as mailer.example.org, got '\(name)'")
            }
            options.ehloName = name
        }
        if let value = try wholeNumber(.smtpConnections, 1...64, text: text(.smtpConnections, false)) { options.connections = value }
        if let value = try wholeNumber(.smtpConnectTimeout, 1...600, text: text(.smtpConnectTimeout, false)) { options.connectTimeoutSeconds = value }
        if let value = try wholeNumber(.smtpTotalTimeout, 1...3600, text: text(.smtpTotalTimeout, false)) { options.totalTimeoutSeconds = value }
        options.username = text(.smtpUsername, true)
        options.password = text(.smtpPassword, true)
        return options
    }

    /// true/false, yes/no, on/off, 1/0, in any case; nil for anything else.
    static func parseBool(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }

    /// The value of `key` as a whole number in `range`; nil when not set.
    static func wholeNumber(_ key: Key, _ range: ClosedRange<Int>, text raw: String?) throws(ConfigurationError) -> Int? {
        guard let raw else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw .invalid(key: key, reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(raw)'")
        }
        return value
    }

    /// A textual IPv4 or IPv6 address (as the connection's peer is written).
    static func isIPAddress(_ text: String) -> Bool {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        return inet_pton(AF_INET, text, &ipv4) == 1 || inet_pton(AF_INET6, text, &ipv6) == 1
    }

    /// Refuses a known key whose value in the file is not a string, number or boolean: the reader
    /// would otherwise skip it silently and fall back to the environment or the default.
    static func checkValueTypes(inFile path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "cannot be read")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .unreadableFile(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let object = root as? [String: Any] else { throw .unreadableFile(path: path, reason: "expected a JSON object of settings") }
        for key in Key.allCases {
            var value: Any? = object
            for component in key.rawValue.split(separator: ".") { value = (value as? [String: Any])?[String(component)] }
            guard let value else { continue }
            if value is String || value is NSNull { continue }
            if value is NSNumber, key.acceptsNumber { continue }
            let found = value is NSNumber ? "a number or boolean" : value is [Any] ? "an array" : "an object"
            throw .invalid(key: key, reason: "expected \(key.acceptsNumber ? "a string, number or boolean" : "a string") in \(path), got \(found)")
        }
    }

    /// A URL with its password replaced by `***`, for messages.
    static func redactedURL(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(unparseable URL)"
    }
}

/// A configuration problem; the message names the key and what is wrong.
public enum ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalid(key: ITSMConfiguration.Key, reason: String)
    case unreadableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(key, reason): "\(key.displayName): \(reason)"
        case let .unreadableFile(path, reason): "config file \(path): \(reason)"
        }
    }
}
