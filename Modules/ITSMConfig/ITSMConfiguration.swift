import Configuration
import Foundation
import Storage
import SystemPackage

/// Everything both apps read at start-up, validated. Environment variables first, overridden by
/// a JSON config file (`--config FILE`) when one is given.
public struct ITSMConfiguration: Sendable, Hashable {
    /// Where mail goes: an SMTP server, or `.eml` files in a folder when no server is configured.
    public enum MailDelivery: Sendable, Hashable {
        case smtp(URL)
        case files(directory: String)
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

    /// The keys, as environment variable and as config-file path.
    public enum Key: String, CaseIterable, Sendable {
        case databaseURL = "database.url"
        case smtpURL = "smtp.url"
        case publicURL = "public.url"
        case httpBind = "http.bind"
        case secretKey = "secret.key"
        case stateDirectory = "state.directory"

        /// `ITSM_DATABASE_URL` for `database.url`.
        public var environmentName: String { "ITSM_" + rawValue.uppercased().replacingOccurrences(of: ".", with: "_") }
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
            mail = .smtp(url)
        } else {
            mail = .files(directory: (state as NSString).appendingPathComponent("mail"))
        }

        let httpBind: HTTPBind
        do {
            httpBind = try HTTPBind(parsing: text(.httpBind) ?? "127.0.0.1:8080")
        } catch {
            throw .invalid(key: .httpBind, reason: error.reason)
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

        return ITSMConfiguration(
            database: database, mail: mail, publicURL: publicURL, httpBind: httpBind, secretKey: secretKey, stateDirectory: state
        )
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
