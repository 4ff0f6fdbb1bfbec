import Domain
import SQLKit

/// The ids other tools gave the records an import made (`itsm import`): per record kind and source
/// (the tool's name the operator gives), the id in the file and the record it became. Importing the
/// same export again finds its rows here and skips them instead of making the records twice.
public struct ImportedRecordRepository: Sendable {
    let database: Database

    /// The records already imported from `source` under these ids (only the ids found).
    public func recordIDs(kind: RecordKind, source: String, sourceIDs: [String], in transaction: StorageTransaction) async throws -> [String: Int64] {
        guard !sourceIDs.isEmpty else { return [:] }
        var found: [String: Int64] = [:]
        // A few hundred at a time: well inside both engines' limits on bound values.
        for start in stride(from: 0, to: sourceIDs.count, by: 500) {
            let chunk = Array(sourceIDs[start..<min(start + 500, sourceIDs.count)])
            let rows = try await transaction.db.select().column("source_id").column("record_id").from("imported_records")
                .where("record_kind", .equal, SQLBind(kind.rawValue))
                .where("source", .equal, SQLBind(source))
                .where("source_id", .in, SQLBind.group(chunk))
                .all()
            for row in rows { found[try row.string("source_id")] = try row.int64("record_id") }
        }
        return found
    }

    /// Remembers that each `sourceID` from `source` became its `recordID` (one statement per few hundred).
    public func remember(
        kind: RecordKind, source: String, records: [(sourceID: String, recordID: Int64)], at: Instant, in transaction: StorageTransaction
    ) async throws {
        for start in stride(from: 0, to: records.count, by: 500) {
            var insert = transaction.db.insert(into: "imported_records")
                .columns("record_kind", "source", "source_id", "record_id", "imported_at_us")
            for (sourceID, recordID) in records[start..<min(start + 500, records.count)] {
                insert = insert.values(
                    SQLBind(kind.rawValue), SQLBind(source), SQLBind(sourceID), SQLBind(recordID), SQLBind(at.microsecondsSinceEpoch))
            }
            try await insert.run()
        }
    }
}

extension Store {
    public var importedRecords: ImportedRecordRepository { ImportedRecordRepository(database: database) }
}
