import Storage

/// How a file import writes: rows in batches of `batchSize` per transaction, so a crash loses at
/// most one batch and no transaction grows with the file; with `allOrNothing` the whole file is
/// one transaction, rolled back if any row was rejected. The caller's `step` writes `rowsPerStep`
/// rows (one, or a whole batch) with savepoints, so a rejected row leaves nothing behind and the
/// good rows stay.
enum ImportTransactions {
    static let batchSize = 500

    /// Any row rejected under `--all-or-nothing`: roll the transaction back.
    private struct RollBack: Error {}

    /// Calls `step` (which writes up to `rowsPerStep` rows) inside a transaction until it returns
    /// false (the file is read); returns whether the accepted rows were kept.
    static func run(
        store: Store, report: CSVImportReport, allOrNothing: Bool, rowsPerStep: Int = 1,
        step: @escaping @Sendable (StorageTransaction) async throws -> Bool
    ) async throws -> Bool {
        let stepsPerTransaction = max(1, batchSize / max(rowsPerStep, 1))
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
        var finished = false
        while !finished {
            finished = try await store.transaction { tx in
                for _ in 0..<stepsPerTransaction where try await !step(tx) { return true }
                return false
            }
        }
        return true
    }
}
