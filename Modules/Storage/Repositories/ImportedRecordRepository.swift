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

    /// Remembers that each `sourceID` from `source` became its `recordID` (one statement per few hundred,
    /// in id order); returns the ids another import remembered first, for which nothing was written.
    ///
    /// An id remembered by another transaction that has not committed yet makes this wait for it (on
    /// PostgreSQL; SQLite has one writer at a time). If it commits, the id comes back here and the
    /// caller's record for it is one too many; if it rolls back, the id is remembered here. In id order,
    /// so two imports writing the same ids in one statement wait for each other rather than deadlock.
    public func remember(
        kind: RecordKind, source: String, records: [(sourceID: String, recordID: Int64)], at: Instant, in transaction: StorageTransaction
    ) async throws -> Set<String> {
        let sorted = records.sorted { $0.sourceID < $1.sourceID }
        var taken: Set<String> = []
        for start in stride(from: 0, to: sorted.count, by: 500) {
            let chunk = sorted[start..<min(start + 500, sorted.count)]
            var insert = transaction.db.insert(into: "imported_records")
                .columns("record_kind", "source", "source_id", "record_id", "imported_at_us")
            for (sourceID, recordID) in chunk {
                insert = insert.values(
                    SQLBind(kind.rawValue), SQLBind(source), SQLBind(sourceID), SQLBind(recordID), SQLBind(at.microsecondsSinceEpoch))
            }
            let written = try await insert.ignoringConflicts(with: ["record_kind", "source", "source_id"]).returning("source_id").all()
                .map { try $0.string("source_id") }
            taken.formUnion(Set(chunk.map(\.sourceID)).subtracting(written))
        }
        return taken
    }
}

extension Store {
    public var importedRecords: ImportedRecordRepository { ImportedRecordRepository(database: database) }
}
