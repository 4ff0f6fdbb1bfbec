import Storage
import Testing

/// Parsing `database` URLs. Pure parsing, no engine: these run once.
@Suite("Database URLs")
struct DatabaseLocationTests {
    /// A URL that must be refused, what the reason must say, and a secret it must not show.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var text: String
        var reason: String
        var shown: String
        var secret: String?
        var testDescription: String { text }
    }

    static let refusals: [Refusal] = [
        Refusal(text: "mysql://x", reason: "expected sqlite:PATH or postgres://user:password@host:port/database", shown: "mysql://x"),
        Refusal(
            text: "mysql://root:hunter2@db.example.com/itsm",
            reason: "expected sqlite:PATH or postgres://user:password@host:port/database",
            shown: "mysql://root:***@db.example.com/itsm", secret: "hunter2"
        ),
        Refusal(text: "", reason: "expected sqlite:PATH or postgres://user:password@host:port/database", shown: ""),
        Refusal(text: "sqlite:", reason: "the sqlite: URL has no file path (e.g. sqlite:./var/itsm.sqlite)", shown: "sqlite:"),
        Refusal(text: "sqlite://", reason: "the sqlite: URL has no file path (e.g. sqlite:./var/itsm.sqlite)", shown: "sqlite://"),
        Refusal(
            text: "postgres://host", reason: "a PostgreSQL URL needs a database name after the host: postgres://user@host:5432/itsm",
            shown: "postgres://host"
        ),
        Refusal(
            text: "postgres://alice:s3cret@db.example.com:5432",
            reason: "a PostgreSQL URL needs a database name after the host: postgres://user@host:5432/itsm",
            shown: "postgres://alice:***@db.example.com:5432", secret: "s3cret"
        ),
        Refusal(
            text: "postgres://host/itsm", reason: "a PostgreSQL URL needs a user name: postgres://user@host:5432/itsm",
            shown: "postgres://host/itsm"
        ),
        Refusal(
            text: "postgres:///itsm", reason: "a PostgreSQL URL needs a host: postgres://user:password@host:5432/database",
            shown: "postgres:///itsm"
        ),
    ]

    @Test("a database URL that cannot work is refused with a reason naming what is wrong", arguments: refusals)
    func refused(refusal: Refusal) {
        #expect(throws: StorageError.invalidLocation(refusal.shown, reason: refusal.reason)) {
            try DatabaseLocation(parsing: refusal.text)
        }
        do {
            _ = try DatabaseLocation(parsing: refusal.text)
        } catch {
            #expect(error.description == "database URL '\(refusal.shown)' is not valid: \(refusal.reason)")
            if let secret = refusal.secret {
                #expect(!error.description.contains(secret))
            }
        }
    }

    @Test("sqlite: URLs name a file, absolute or relative")
    func sqliteForms() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:./var/itsm.sqlite") == .sqlite(path: "./var/itsm.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite:///srv/itsm/itsm.sqlite") == .sqlite(path: "/srv/itsm/itsm.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite://var/itsm.sqlite") == .sqlite(path: "var/itsm.sqlite"))
        #expect(try DatabaseLocation(parsing: "  sqlite:/tmp/x.sqlite ") == .sqlite(path: "/tmp/x.sqlite"))
        let location = try DatabaseLocation(parsing: "sqlite:/tmp/x.sqlite")
        #expect(location.engine == .sqlite)
        #expect(location.description == "sqlite:/tmp/x.sqlite")
        #expect(DatabaseLocation.defaultSQLite == .sqlite(path: "./var/itsm.sqlite"))
    }

    @Test("a PostgreSQL URL is kept whole, but its description hides the password")
    func postgresForms() throws {
        let location = try DatabaseLocation(parsing: "postgres://alice:s3cret@db.example.com:5432/itsm")
        #expect(location == .postgres(url: "postgres://alice:s3cret@db.example.com:5432/itsm"))
        #expect(location.engine == .postgres)
        #expect(location.description == "postgres://alice:***@db.example.com:5432/itsm")
        #expect("\(location)" == "postgres://alice:***@db.example.com:5432/itsm")

        let noPassword = try DatabaseLocation(parsing: " postgresql://alice@db.example.com/itsm ")
        #expect(noPassword == .postgres(url: "postgresql://alice@db.example.com/itsm"))
        #expect(noPassword.description == "postgresql://alice@db.example.com/itsm")

        let encoded = try DatabaseLocation(parsing: "postgres://alice:p%40ss@db.example.com/itsm")
        #expect(encoded.description == "postgres://alice:***@db.example.com/itsm")
    }

    @Test("a password containing a raw @ is still hidden")
    func rawAtInPassword() {
        let text = "postgres://alice:p@ssw0rd@db.example.com/itsm"
        let shown: String
        do {
            shown = try DatabaseLocation(parsing: text).description
        } catch {
            shown = error.description
        }
        #expect(!shown.contains("ssw0rd"))
    }
}
