/// Why the storage layer refused or failed an operation.
public enum StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidLocation(String, reason: String)
    /// The database was migrated by a newer binary; this one must not touch it.
    case schemaTooNew(database: Int, binary: Int)
    /// A record with this id does not exist.
    case notFound(record: String, id: Int64)
    /// The record changed since it was read (another process saved it first).
    case concurrentUpdate(record: String, id: Int64)
    /// A unique name is taken.
    case duplicate(record: String, field: String, value: String)
    /// A stored value could not be turned back into a domain value.
    case corruptRow(table: String, column: String, value: String)
    /// A reference to another record that does not exist.
    case missingReference(field: String, id: Int64)
    /// SQLite: another process held the write lock for this long while this one waited to write.
    case busy(waited: Duration)

    public var description: String {
        switch self {
        case let .invalidLocation(location, reason):
            "database URL '\(location)' is not valid: \(reason)"
        case let .schemaTooNew(database, binary):
            "the database schema is at version \(database) but this binary knows only up to version \(binary); upgrade itsm before using this database"
        case let .notFound(record, id):
            "\(record) \(id) does not exist"
        case let .concurrentUpdate(record, id):
            "\(record) \(id) was changed by someone else since it was read; reload it and try again"
        case let .duplicate(record, field, value):
            "a \(record) with \(field) '\(value)' already exists"
        case let .corruptRow(table, column, value):
            "\(table).\(column) holds '\(value)', which this version cannot read"
        case let .missingReference(field, id):
            "\(field): no record with id \(id)"
        case let .busy(waited):
            "the database is busy: another process kept its write lock for over \(Self.text(waited)) (a long import?); nothing was changed, try again"
        }
    }

    /// "600 ms", "60 s".
    private static func text(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        return milliseconds < 1_000 ? "\(milliseconds) ms" : "\(milliseconds / 1_000) s"
    }
}

extension Duration {
    /// The whole milliseconds in this duration.
    var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
