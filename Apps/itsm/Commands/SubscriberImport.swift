import Domain
import Notifications
import Storage

/// Subscribers from a CSV file (`email`, optional `name`) into one list, a batch at a time.
///
/// A batch is 500 rows, and the rows of one transaction (`ImportTransactions`; with `allOrNothing`
/// the whole file is one transaction of many batches).
/// Its rows are checked in Swift, then the new addresses among them are written together with a few
/// multi-row statements (`SubscriptionService.enrolNew`) under one savepoint, as are the requests of
/// addresses confirmed on the list already. Other addresses already on the list (pending, ended),
/// and repeats within the batch or the file, go one by one through `enrol` under a savepoint each, as
/// does the whole batch if the bulk write fails (a concurrent writer took an address, say).
/// Every row carries the import's one instant, which is how a repeated address is recognised
/// without remembering the file's addresses: its consent record of this instant already exists.
struct SubscriberImport: Sendable {
    static let columns: Set<String> = ["email", "name"]

    let context: CommandContext
    let service: SubscriptionService
    let list: MailingList
    let consent: ConsentEvidence
    let confirmedByOperator: Bool
    let table: CSVTable
    let report: CSVImportReport
    let at: Instant

    /// A rejection decided here rather than by the domain.
    private struct RowRejected: Error, CustomStringConvertible {
        var description: String
    }

    private struct Candidate {
        var line: Int
        var row: BulkEnrolmentRow
    }

    /// Imports every row; returns whether the accepted rows were kept.
    func run(allOrNothing: Bool) async throws -> Bool {
        try await ImportTransactions.run(
            store: context.store, report: report, allOrNothing: allOrNothing, bytesRead: { [table] in table.bytesRead },
            next: { [table] in try table.next() }, write: { entries, tx in try await process(entries, in: tx) })
    }

    private func process(_ entries: [CSVEntry], in tx: StorageTransaction) async throws -> [(line: Int, outcome: ImportOutcome)] {
        var outcomes: [(line: Int, outcome: ImportOutcome)] = []
        var bulk: [Candidate] = []
        var oneByOne: [Candidate] = []
        var seen = Set<String>()
        for entry in entries {
            switch entry {
            case let .malformed(line, reason):
                outcomes.append((line, .rejected(reason: reason)))
            case let .row(row):
                do {
                    let candidate = Candidate(line: row.line, row: BulkEnrolmentRow(address: try EmailAddress(parsing: row["email"] ?? ""), name: row["name"]))
                    // A repeat within the batch goes after the bulk write, which makes it a repeat of a stored row.
                    if seen.insert(candidate.row.address.address.lowercased()).inserted { bulk.append(candidate) } else { oneByOne.append(candidate) }
                } catch {
                    outcomes.append((row.line, .rejected(reason: failureMessage(error))))
                }
            }
        }

        if !bulk.isEmpty {
            do {
                let results = try await tx.savepoint { tx in
                    try await service.enrolNew(
                        list: list, rows: bulk.map(\.row), consent: consent, confirmedByOperator: confirmedByOperator, at: at, in: tx)
                }
                for (candidate, result) in zip(bulk, results) {
                    switch result {
                    case let .enrolled(enrolment): outcomes.append((candidate.line, .accepted(EnrolmentReport.outcome(enrolment))))
                    case let .refused(error): outcomes.append((candidate.line, .rejected(reason: failureMessage(error))))
                    case .oneByOne: oneByOne.append(candidate)
                    }
                }
            } catch let error where Self.fallsBackToRows(error) {
                // Rolled back to the savepoint: nothing of the batch is written; each row on its own says why.
                oneByOne += bulk
            }
        }
        for candidate in oneByOne.sorted(by: { $0.line < $1.line }) {
            outcomes.append((candidate.line, try await enrolOne(candidate, in: tx)))
        }
        return outcomes
    }

    /// Whether a failed bulk write is one the rows can get past one by one: a concurrent writer in
    /// the way, or a row's own confirmation mail or field (which the one-row path reports). Anything
    /// else (a lost connection, a bug) stops the import with its own error.
    private static func fallsBackToRows(_ error: any Error) -> Bool {
        switch error {
        case let error as StorageError:
            if case .concurrentUpdate = error { true } else { false }
        case is MIMEError, is DomainError, is SubscriptionError: true
        default: false
        }
    }

    /// One row under its own savepoint: a rejected row leaves nothing behind.
    private func enrolOne(_ candidate: Candidate, in tx: StorageTransaction) async throws -> ImportOutcome {
        let address = candidate.row.address
        do {
            let enrolment = try await tx.savepoint { tx in
                if try await context.store.subscriptions.hasSubscribeRecord(address: address, listSlug: list.slug, at: at, in: tx) {
                    throw RowRejected(description: "email: '\(address)' is in the file twice; an earlier row has it")
                }
                return try await service.enrol(
                    list: list, address: address, name: candidate.row.name, consent: consent, confirmedByOperator: confirmedByOperator, at: at, in: tx)
            }
            return .accepted(EnrolmentReport.outcome(enrolment))
        } catch let error as DomainError {
            return .rejected(reason: failureMessage(error))
        } catch let error as SubscriptionError {
            return .rejected(reason: failureMessage(error))
        } catch let error as MIMEError {
            return .rejected(reason: "confirmation mail: \(error)")
        } catch let error as RowRejected {
            return .rejected(reason: error.description)
        }
    }
}
