import ArgumentParser
import Domain
import Foundation
import Storage

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import incidents, changes, problems or services from another ITSM tool's CSV or JSON export.",
        discussion: """
        CSV needs a header row naming the columns. JSON is an array of objects or JSON Lines (one object per line); nested objects give dotted keys (fields.summary), a list of values is joined with ';'. The file is streamed: its size does not matter. --format defaults to json for .json, .jsonl and .ndjson files, csv otherwise.

        Fields (columns or keys; names are case-insensitive; others are ignored, with a note):
          services   name* description owner criticality status sla opened_at
          incidents  title* description category impact* urgency* service major state assignee opened_at responded_at resolved_at closed_at
          problems   title* description service root-cause workaround known_error state opened_at known_error_at resolved_at closed_at
          changes    title* type* risk* description service approvers start end state outcome opened_at decided_at implemented_at reviewed_at closed_at
        (* required.) Every kind also reads id and time-zone. The id is the other tool's: records get ids of ours, and each id is remembered with the record it became, per --source, so a row whose id was imported before from the same source (or earlier in the file) is skipped and counted as already-imported: importing the same export twice, or a newer export with the old rows in it, makes no duplicates, also when two such imports run at once (a row whose id the other one remembered first is already-imported). Rows without an id are always imported. Values are ours: impact and urgency high, medium or low; states as `itsm KIND list --help` lists them (case, spaces and underscores ignored: "In Progress" is in-progress); services and SLAs by id or name; approvers separated by ';' or ','. Instants are ISO 8601 with Z or an offset (+01:00 or +0100), or local times (2024-01-15 09:30:00) on the clock of the row's time-zone, else --time-zone, else UTC. An empty value is absent.

        History: each record is created at opened_at (default: now) by the operator (default "import"), then moved through the domain's own steps to its state, each at the row's instant for it, so its audit trail and columns agree: an incident is assigned at opened_at when it has an assignee, gets its first response at responded_at, goes in-progress or on-hold at responded_at (else opened_at), is resolved at resolved_at and closed at closed_at; a problem investigates from opened_at, becomes a known error at known_error_at, is resolved at resolved_at and closed at closed_at; a change is submitted at opened_at, decided by the CAB at decided_at (every approver approves, or the first one rejects, comment "imported"), scheduled then for its start..end window, implemented with its outcome at implemented_at, reviewed at reviewed_at, closed or cancelled at closed_at; a service is created in its status. A state that needs an instant needs its column (a closed incident needs resolved_at and closed_at); instants must follow each other. Intermediate history the file does not have (holds, reopenings, reassignments) is not invented.

        Rows are written in transactions of \(ImportTransactions.batchSize) (a transaction's rows together, and one by one when one of them fails): a rejected row is reported with its line (CSV) or record number (JSON) and the reason naming the field, and the good rows are kept. A transaction PostgreSQL ends because of another one (a deadlock between two imports writing the same names or ids in different orders) is written again, up to \(ImportTransactions.conflictTries) times. With --all-or-nothing any rejection rolls the whole file back (exit 1), and so does such an end of its one transaction (import the file again). A wrong header (a required field without a column, a --map column missing) refuses the file before anything is written. On a terminal, a progress bar (rows, rows/s, ETA) is drawn on standard error.

        Examples:
          itsm import incidents incidents.csv
          itsm export incidents --output incidents.csv && itsm import incidents incidents.csv --database sqlite:copy.sqlite
          # ServiceNow-like (incident.csv from a list export):
          itsm import incidents incident.csv --map short_description=title --map sys_created_on=opened_at --map resolved_at=resolved_at --map assigned_to=assignee --map cmdb_ci=service --map incident_state=state --time-zone Europe/Berlin
          # Jira-like (issues from the REST API as JSON Lines):
          itsm import problems issues.jsonl --map fields.summary=title --map fields.description=description --map fields.created=opened_at --map fields.resolutiondate=resolved_at --map fields.status.name=state
          itsm import changes changes.json --format json --all-or-nothing --operator migration --json
          itsm import incidents jira-incidents.csv --source jira
        """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case incidents, changes, problems, services
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What the file holds: incidents, changes, problems or services.")
    var kind: Kind

    @Argument(help: "The CSV or JSON file.")
    var file: String

    @Option(name: .long, help: "csv or json (default: from the file name).")
    var format: ImportSource.Format?

    @Option(name: .customLong("map"), help: ArgumentHelp("Read the file's column or key SOURCE as our FIELD (repeatable).", valueName: "SOURCE=FIELD"))
    var map: [String] = []

    @Option(name: .customLong("time-zone"), help: "IANA time zone of local times in the file (default UTC).")
    var timeZone: String?

    @Option(name: .long, help: "The tool the file comes from; its ids are remembered under this name (default: import).")
    var source = "import"

    @Flag(name: .long, help: "Import nothing if any row is rejected (one transaction).")
    var allOrNothing = false

    @Option(name: .customLong("operator"), help: "Who the audit trail says created the records (default: import).")
    var operatorName = "import"

    @Flag(name: .long, help: "Print the report as JSON for scripts.")
    var json = false

    func validate() throws {
        if let timeZone, (try? LocalClock(timeZoneIdentifier: timeZone)) == nil {
            throw ValidationError("--time-zone: '\(timeZone)' is not an IANA time zone such as Europe/Berlin")
        }
        if operatorName.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--operator: expected a name") }
        if source.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--source: expected a name, such as servicenow") }
        _ = try mapping(for: kind)
    }

    private func mapping(for kind: Kind) throws -> ImportMapping {
        switch kind {
        case .incidents: try ImportMapping(map, accepted: Incident.importFields, kind: "incidents")
        case .changes: try ImportMapping(map, accepted: Change.importFields, kind: "changes")
        case .problems: try ImportMapping(map, accepted: Problem.importFields, kind: "problems")
        case .services: try ImportMapping(map, accepted: Service.importFields, kind: "services")
        }
    }

    func run() async throws {
        switch kind {
        case .incidents: try await run(Incident.self)
        case .changes: try await run(Change.self)
        case .problems: try await run(Problem.self)
        case .services: try await run(Service.self)
        }
    }

    private func run<Record: ImportableRecord>(_: Record.Type) async throws {
        let mapping = try mapping(for: kind)
        let committed = try await global.withReportedContext { context in
            let source = try ImportSource.open(file, format: format)
            if let columns = source.columns {
                let ignored = try mapping.checkHeader(columns, required: Record.requiredFields, path: file)
                if !ignored.isEmpty { printError("note: ignoring the columns \(ignored.joined(separator: ", ")) (not fields of \(Record.plural); see --map)") }
            }
            let report = CSVImportReport(
                file: file, format: json ? .json : .text, progress: CSVImportProgress(totalBytes: source.totalBytes), unit: source.unit)
            let job = RecordImport<Record>(
                store: context.store, source: source, sourceName: self.source.trimmingCharacters(in: .whitespaces), mapping: mapping,
                references: References(store: context.store, cache: try await ReferenceCache.load(context.store)),
                report: report, now: context.now, actor: operatorName, timeZone: timeZone
            )
            let committed: Bool
            do {
                committed = try await job.run(allOrNothing: allOrNothing)
            } catch {
                report.finish(
                    committed: false,
                    note: allOrNothing ? "Stopped by an error; nothing was imported."
                        : "Stopped by an error; rows in transactions of \(ImportTransactions.batchSize) before the failing one were kept.")
                throw error
            }
            report.finish(
                committed: committed,
                note: committed ? nil : "Nothing was imported: --all-or-nothing and \(report.rejected) row\(report.rejected == 1 ? " was" : "s were") rejected.")
            let ignored = job.ignored.keys.withLock { $0.sorted() }
            if !ignored.isEmpty {
                printError("note: ignored the keys \(ignored.prefix(50).joined(separator: ", "))\(ignored.count > 50 ? ", ..." : "") (not fields of \(Record.plural); see --map)")
            }
            return committed
        }
        if !committed { throw ExitCode.failure }
    }
}
