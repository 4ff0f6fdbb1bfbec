import Domain
import Foundation
import SQLKit

/// Typed reads of the column kinds this schema uses, with errors that name the table and column.
extension SQLRow {
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func double(_ column: String) throws -> Double { try decode(column: column, as: Double.self) }
    func bool(_ column: String) throws -> Bool { try decode(column: column, as: Bool.self) }
    func instant(_ column: String) throws -> Instant { Instant(microsecondsSinceEpoch: try int64(column)) }
    func optionalInstant(_ column: String) throws -> Instant? { try optionalInt64(column).map(Instant.init(microsecondsSinceEpoch:)) }

    func value<T: RawRepresentable>(_ column: String, table: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let raw = try string(column)
        guard let value = T(rawValue: raw) else { throw StorageError.corruptRow(table: table, column: column, value: raw) }
        return value
    }

    func optionalValue<T: RawRepresentable>(_ column: String, table: String, as type: T.Type = T.self) throws -> T? where T.RawValue == String {
        guard let raw = try optionalString(column) else { return nil }
        guard let value = T(rawValue: raw) else { throw StorageError.corruptRow(table: table, column: column, value: raw) }
        return value
    }

    func priority(_ column: String, table: String) throws -> Priority {
        let raw = try int64(column)
        guard let value = Priority(rawValue: Int(raw)) else { throw StorageError.corruptRow(table: table, column: column, value: "\(raw)") }
        return value
    }

    func json<T: Decodable>(_ column: String, table: String, as type: T.Type) throws -> T {
        let raw = try string(column)
        do {
            return try JSONDecoder().decode(T.self, from: Data(raw.utf8))
        } catch {
            throw StorageError.corruptRow(table: table, column: column, value: String(raw.prefix(80)))
        }
    }
}

/// JSON text for the few columns that hold small structured values.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A value bound as a parameter: instants as microseconds, everything else as itself.
typealias Column = (name: String, value: any Encodable & Sendable)

extension Optional where Wrapped == Instant {
    var microseconds: Int64? { self?.microsecondsSinceEpoch }
}
