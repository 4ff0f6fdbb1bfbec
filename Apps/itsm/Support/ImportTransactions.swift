import Storage

/// What became of one row of a file import.
enum ImportOutcome {
    /// Written, counted under this outcome (e.g. "confirmed", "closed").
    case accepted(String)
    case rejected(reason: String)
}

/// How a file import writes: the file is read a batch of `batchSize` rows at a time, one
/// transaction per batch, so a crash loses at most one batch and no transaction grows with the
/// file; with `allOrNothing` the whole file is one transaction, rolled back if any row was
/// rejected (on SQLite that holds the write lock, and so every other writer, until the end).
/// On SQLite a long import pauses now and then between batches (`WritePacer`), so other writers
/// get their turn. A batch is read before its transaction begins, and written again when the server
/// ended its transaction for another's sake (`writeTryingAgain`); under `--all-or-nothing` such an
/// end stops the import with nothing written, and the file can be imported again.
/// The caller writes a batch with savepoints, so a rejected row leaves nothing behind and the good
/// rows stay, and returns each row's outcome, reported here in line order.
enum ImportTransactions {
    static let batchSize = 500

    /// Any row rejected under `--all-or-nothing`: roll the transaction back.
    private struct RollBack: Error {}

    /// Reads entries with `next` until it returns nil, hands them to `write` a batch at a time inside
    /// the transactions above, and reports the outcomes `write` returns (by line or record number);
    /// returns whether the accepted rows were kept.
    static func run<Entry: Sendable>(
        store: Store, report: CSVImportReport, allOrNothing: Bool, bytesRead: @escaping @Sendable () -> Int64,
        next: @escaping @Sendable () throws -> Entry?,
        write: @escaping @Sendable ([Entry], StorageTransaction) async throws -> [(line: Int, outcome: ImportOutcome)]
    ) async throws -> Bool {
        /// The next batch of entries; empty once the file is read.
        let read: @Sendable () throws -> [Entry] = {
            var entries: [Entry] = []
            entries.reserveCapacity(batchSize)
            while entries.count < batchSize, let entry = try next() { entries.append(entry) }
            return entries
        }
        /// Counts a written batch's outcomes, in line order.
        let record: @Sendable ([(line: Int, outcome: ImportOutcome)]) -> Void = { outcomes in
            for (line, outcome) in outcomes.sorted(by: { $0.line < $1.line }) {
                switch outcome {
                case let .accepted(name): report.accept(name)
                case let .rejected(reason): report.reject(line: line, reason: reason)
                }
            }
            report.progress.update(rows: report.accepted + report.rejected, bytes: bytesRead())
        }
        if allOrNothing {
            do {
                try await store.transaction { tx in
                    while true {
                        let entries = try read()
                        guard !entries.isEmpty else { break }
                        record(try await write(entries, tx))
                        guard entries.count == batchSize else { break }
                    }
                    if report.rejected > 0 { throw RollBack() }
                }
                return true
            } catch is RollBack {
                report.discardAccepted()
                return false
            }
        }
        var pacer = WritePacer(engine: store.database.engine)
        while true {
            let entries = try read()
            guard !entries.isEmpty else { return true }
            record(try await writeTryingAgain { try await store.transaction { tx in try await write(entries, tx) } })
            guard entries.count == batchSize else { return true }
            try await pacer.afterCommit()
        }
    }

    /// How many times a batch is written before an import gives up because of other writers.
    static let conflictTries = 5

    /// Runs `transaction` again when another writer's transaction made the server roll it back
    /// (PostgreSQL: a deadlock, or a serialization failure), up to `conflictTries` times in all. Two
    /// imports that write the same unique values (service names, ids of the same `--source`) in
    /// different orders can deadlock; the server then ends one of them, and its batch, written again
    /// once the other has gone on, finds the other's rows. The batch is read from the file once.
    static func writeTryingAgain<R>(_ transaction: () async throws -> R) async throws -> R {
        var tries = 1
        while true {
            do {
                return try await transaction()
            } catch where error.isTransactionConflict && tries < conflictTries {
                tries += 1
            }
        }
    }
}
