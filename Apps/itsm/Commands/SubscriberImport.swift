import Domain
import Notifications
import Storage

/// Subscribers from a CSV file (`email`, optional `name`) into one list, row by row.
///
/// Rows are read one at a time and written as `ImportTransactions` says: batches per transaction,
/// a savepoint per row, or the whole file in one transaction with `allOrNothing`.
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

    /// Imports every row; returns whether the accepted rows were kept.
    func run(allOrNothing: Bool) async throws -> Bool {
        try await ImportTransactions.run(store: context.store, report: report, allOrNothing: allOrNothing) { tx in
            guard let entry = try table.next() else { return false }
            try await process(entry, in: tx)
            return true
        }
    }

    private func process(_ entry: CSVEntry, in tx: StorageTransaction) async throws {
        defer { report.progress.update(rows: report.accepted + report.rejected, bytes: table.bytesRead) }
        switch entry {
        case let .malformed(line, reason):
            report.reject(line: line, reason: reason)
        case let .row(row):
            do {
                let address = try EmailAddress(parsing: row["email"] ?? "")
                let name = row["name"]
                let enrolment = try await tx.savepoint { tx in
                    if try await context.store.subscriptions.hasSubscribeRecord(address: address, listSlug: list.slug, at: at, in: tx) {
                        throw RowRejected(description: "email: '\(address)' is in the file twice; an earlier row has it")
                    }
                    return try await service.enrol(
                        list: list, address: address, name: name, consent: consent, confirmedByOperator: confirmedByOperator, at: at, in: tx)
                }
                report.accept(EnrolmentReport.outcome(enrolment))
            } catch let error as DomainError {
                report.reject(line: row.line, reason: failureMessage(error))
            } catch let error as SubscriptionError {
                report.reject(line: row.line, reason: failureMessage(error))
            } catch let error as MIMEError {
                report.reject(line: row.line, reason: "confirmation mail: \(error)")
            } catch let error as RowRejected {
                report.reject(line: row.line, reason: error.description)
            }
        }
    }
}
