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
/// get their turn.
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
        /// Writes one batch; false once the file is read.
        let step: @Sendable (StorageTransaction) async throws -> Bool = { tx in
            var entries: [Entry] = []
            entries.reserveCapacity(batchSize)
            while entries.count < batchSize, let entry = try next() { entries.append(entry) }
            guard !entries.isEmpty else { return false }
            for (line, outcome) in try await write(entries, tx).sorted(by: { $0.line < $1.line }) {
                switch outcome {
                case let .accepted(name): report.accept(name)
                case let .rejected(reason): report.reject(line: line, reason: reason)
                }
            }
            report.progress.update(rows: report.accepted + report.rejected, bytes: bytesRead())
            return entries.count == batchSize
        }
        if allOrNothing {
            do {
                try await store.transaction { tx in
                    while try await step(tx) {}
                    if report.rejected > 0 { throw RollBack() }
                }
                return true
            } catch is RollBack {
                report.discardAccepted()
                return false
            }
        }
        var pacer = WritePacer(engine: store.database.engine)
        while try await store.transaction({ tx in try await step(tx) }) {
            try await pacer.afterCommit()
        }
        return true
    }
}
