import Foundation

/// Which engine a database runs on.
public enum Engine: String, Sendable, Hashable, CaseIterable {
    /// Embedded, single instance, a file (the default).
    case sqlite
    /// A server shared by several scheduler instances.
    case postgres
}

/// Where the database is: `sqlite:PATH` or `postgres://user:password@host:port/database`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The embedded default, relative to the working directory.
    public static let defaultSQLite = DatabaseLocation.sqlite(path: "./var/itsm.sqlite")

    /// Parses a database URL; the error says what forms are accepted.
    public init(parsing text: String) throws(StorageError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }  // sqlite:///abs/path and sqlite://rel
            guard !path.isEmpty else {
                throw .invalidLocation(text, reason: "the sqlite: URL has no file path (e.g. sqlite:./var/itsm.sqlite)")
            }
            self = .sqlite(path: path)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            guard let url = URL(string: trimmed), let host = url.host, !host.isEmpty else {
                throw .invalidLocation(Self.redacted(trimmed), reason: "a PostgreSQL URL needs a host: postgres://user:password@host:5432/database")
            }
            guard url.path.count > 1 else {
                throw .invalidLocation(Self.redacted(trimmed), reason: "a PostgreSQL URL needs a database name after the host: postgres://user@host:5432/itsm")
            }
            guard url.user != nil else {
                throw .invalidLocation(Self.redacted(trimmed), reason: "a PostgreSQL URL needs a user name: postgres://user@host:5432/itsm")
            }
            self = .postgres(url: trimmed)
        } else {
            throw .invalidLocation(Self.redacted(trimmed), reason: "expected sqlite:PATH or postgres://user:password@host:port/database")
        }
    }

    public var engine: Engine {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// Safe to log: the password, if any, is replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): Self.redacted(url)
        }
    }

    static func redacted(_ url: String) -> String {
        // The credentials end at the LAST "@" before the path: a password may itself contain "@".
        guard let schemeEnd = url.range(of: "://") else { return url }
        let authorityEnd = url[schemeEnd.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        guard let at = url.range(of: "@", options: .backwards, range: schemeEnd.upperBound..<authorityEnd) else {
            return url
        }
        let credentials = url[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at.lowerBound...])
    }
}
