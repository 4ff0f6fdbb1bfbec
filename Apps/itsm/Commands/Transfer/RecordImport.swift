import Domain
import Storage
import Synchronization

/// Records of one kind from an import file, row by row: each row mapped to our fields, built with
/// its history (`ImportableRecord.imported`) and inserted in a savepoint of its own, in the
/// transactions `ImportTransactions` gives. A rejected row is reported with its line (CSV) or
/// record number (JSON) and the reason naming the field; the rest go on.
struct RecordImport<Record: ImportableRecord>: Sendable {
    let store: Store
    let source: ImportSource
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
        try await ImportTransactions.run(store: store, report: report, allOrNothing: allOrNothing) { tx in
            guard let entry = try source.next() else { return false }
            try await process(entry, in: tx)
            return true
        }
    }

    private func process(_ entry: ImportEntry, in tx: StorageTransaction) async throws {
        defer { report.progress.update(rows: report.accepted + report.rejected, bytes: source.bytesRead) }
        switch entry {
        case let .malformed(position, reason):
            report.reject(line: position, reason: reason)
        case let .row(position, values):
            var unknown: Set<String> = []
            var fields = mapping.fields(values, ignored: &unknown)
            if !unknown.isEmpty, source.columns == nil { ignored.keys.withLock { $0.formUnion(unknown) } }
            if fields["time-zone"] == nil { fields["time-zone"] = timeZone ?? "UTC" }
            do {
                let record = try await Record.imported(fields, references: references, now: now, by: actor)
                _ = try await tx.savepoint { tx in try await Record.repository(store).create(record, in: tx) }
                report.accept(record.currentState.rawValue)
            } catch let error as DomainError {
                report.reject(line: position, reason: failureMessage(error))
            } catch let error as StorageError {
                switch error {
                case .duplicate, .missingReference: report.reject(line: position, reason: failureMessage(error))
                default: throw error
                }
            }
        }
    }
}

/// The keys an import ignored, gathered across rows.
final class IgnoredKeys: Sendable {
    let keys = Mutex<Set<String>>([])
}
