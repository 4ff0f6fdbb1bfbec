import Domain
import Storage
import Synchronization

/// Records of one kind from an import file, a batch at a time: each row mapped to our fields and
/// built with its history (`ImportableRecord.imported`), then the batch's records inserted under one
/// savepoint, in the transactions `ImportTransactions` gives. If an insert fails (a duplicate, a
/// missing reference), the batch goes back to its savepoint and is inserted again row by row, each
/// in a savepoint of its own, so only the failing rows are rejected. A rejected row is reported with
/// its line (CSV) or record number (JSON) and the reason naming the field; the rest go on.
///
/// A row's `id` (the other tool's) is remembered with the record it became, under `sourceName`: a
/// row whose id was imported before from the same source, or earlier in the same file, is not
/// written again and counts as `already-imported`; so does a row whose id another import of the same
/// source remembered while this one ran (its record, made here too, goes back with its savepoint).
/// Rows without an id are always written.
struct RecordImport<Record: ImportableRecord>: Sendable {
    static var alreadyImported: String { "already-imported" }

    let store: Store
    let source: ImportSource
    /// The name of the tool the file comes from: ids are unique within it (`--source`).
    let sourceName: String
    let mapping: ImportMapping
    let references: References
    let report: CSVImportReport
    /// The instant of records without `opened_at`.
    let now: Instant
    let actor: String
    /// The zone of local times in rows without a `time-zone` of their own.
    let timeZone: String?
    /// Keys of JSON records that gave no field (for one note at the end); as many as the file has kinds of key.
    let ignored = IgnoredKeys()

    /// Imports every row; returns whether the accepted rows were kept.
    func run(allOrNothing: Bool) async throws -> Bool {
        try await ImportTransactions.run(
            store: store, report: report, allOrNothing: allOrNothing, bytesRead: { [source] in source.bytesRead },
            next: { [source] in try source.next() }, write: { entries, tx in try await process(entries, in: tx) })
    }

    private func process(_ entries: [ImportEntry], in tx: StorageTransaction) async throws -> [(line: Int, outcome: ImportOutcome)] {
        var outcomes: [(line: Int, outcome: ImportOutcome)] = []
        var built: [Row] = []
        for entry in entries {
            switch entry {
            case let .malformed(position, reason):
                outcomes.append((position, .rejected(reason: reason)))
            case let .row(position, values):
                var unknown: Set<String> = []
                var fields = mapping.fields(values, ignored: &unknown)
                if !unknown.isEmpty, source.columns == nil { ignored.keys.withLock { $0.formUnion(unknown) } }
                if fields["time-zone"] == nil { fields["time-zone"] = timeZone ?? "UTC" }
                do {
                    let record = try await Record.imported(fields, references: references, now: now, by: actor)
                    // The other tool's id as it means it: surrounding blanks are not part of it, and a blank one is none.
                    let sourceID = fields.text("id").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
                    built.append((position, sourceID, record))
                } catch where Self.isRowFailure(error) {
                    outcomes.append((position, .rejected(reason: failureMessage(error))))
                }
            }
        }

        // Rows whose id is already here (imported before) are not written again, nor a row repeating
        // an id earlier in this batch once that row is written.
        let kind = Record.State.recordKind
        let imported = try await store.importedRecords.recordIDs(kind: kind, source: sourceName, sourceIDs: built.compactMap(\.sourceID), in: tx)
        var firsts: [Row] = []
        var repeats: [Row] = []
        var inBatch: Set<String> = []
        for row in built {
            if let sourceID = row.sourceID {
                if imported[sourceID] != nil {
                    outcomes.append((row.position, .accepted(Self.alreadyImported)))
                    continue
                }
                guard inBatch.insert(sourceID).inserted else {
                    repeats.append(row)
                    continue
                }
            }
            firsts.append(row)
        }

        let repository = Record.repository(store)
        /// Inserts the rows' records and remembers their ids; throws `IDsTakenMeanwhile` when another
        /// import remembered some of them first, for the caller's savepoint to take the records back.
        let write: Write = { [store, sourceName, now] rows, tx in
            let ids = try await repository.createAll(rows.map(\.record), in: tx)
            let remembered = zip(rows, ids).compactMap { row, id in row.sourceID.map { (sourceID: $0, recordID: id) } }
            let taken = try await store.importedRecords.remember(kind: kind, source: sourceName, records: remembered, at: now, in: tx)
            if !taken.isEmpty { throw IDsTakenMeanwhile() }
        }
        do {
            try await tx.savepoint { tx in try await write(firsts, tx) }
            outcomes += firsts.map { ($0.position, .accepted($0.record.currentState.rawValue)) }
            outcomes += repeats.map { ($0.position, .accepted(Self.alreadyImported)) }
        } catch where Self.isRowFailure(error) || error is IDsTakenMeanwhile {
            // Back at the savepoint, nothing of the batch is written: one by one, in file order, so only
            // the failing rows go; a repeated id is written by its first row that succeeds. The ids are
            // read again first: another import may have remembered some since (and made this fail).
            let rows = (firsts + repeats).sorted(by: { $0.position < $1.position })
            var known = Set(try await store.importedRecords.recordIDs(
                kind: kind, source: sourceName, sourceIDs: Array(Set(rows.compactMap(\.sourceID))), in: tx).keys)
            for row in rows {
                if let sourceID = row.sourceID, known.contains(sourceID) {
                    outcomes.append((row.position, .accepted(Self.alreadyImported)))
                    continue
                }
                let outcome = try await writeRow(row, with: write, in: tx)
                outcomes.append((row.position, outcome))
                if case .accepted = outcome, let sourceID = row.sourceID { known.insert(sourceID) }
            }
        }

        return outcomes
    }

    private typealias Row = (position: Int, sourceID: String?, record: Record)
    private typealias Write = @Sendable ([Row], StorageTransaction) async throws -> Void

    /// Writes one row in a savepoint of its own. If it fails, or its id is taken, because another
    /// import remembered its id meanwhile (the write waited for that import to commit), the row is what
    /// a re-import makes of it: already-imported.
    private func writeRow(_ row: Row, with write: Write, in tx: StorageTransaction) async throws -> ImportOutcome {
        // An id taken and then not found was remembered by a transaction that removed it again: once more.
        for _ in 1...2 {
            do {
                try await tx.savepoint { tx in try await write([row], tx) }
                return .accepted(row.record.currentState.rawValue)
            } catch where Self.isRowFailure(error) || error is IDsTakenMeanwhile {
                guard let sourceID = row.sourceID else { return .rejected(reason: failureMessage(error)) }
                let imported = try await store.importedRecords.recordIDs(
                    kind: Record.State.recordKind, source: sourceName, sourceIDs: [sourceID], in: tx)
                if imported[sourceID] != nil { return .accepted(Self.alreadyImported) }
                if !(error is IDsTakenMeanwhile) { return .rejected(reason: failureMessage(error)) }
            }
        }
        return .rejected(reason: "id: '\(row.sourceID ?? "")' of source '\(sourceName)' was remembered by another import at the same time, then removed before this one could read it; import the file again")
    }

    /// A failure of the row's own data, reported against the row; anything else stops the import.
    private static func isRowFailure(_ error: any Error) -> Bool {
        switch error {
        case is DomainError: true
        case let error as StorageError:
            switch error {
            case .duplicate, .missingReference: true
            default: false
            }
        default: false
        }
    }
}

/// Ids another import of the same source remembered after this batch read them: the batch's records
/// for them would be second copies.
private struct IDsTakenMeanwhile: Error {}

/// The keys an import ignored, gathered across rows.
final class IgnoredKeys: Sendable {
    let keys = Mutex<Set<String>>([])
}
