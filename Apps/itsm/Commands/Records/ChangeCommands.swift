import ArgumentParser
import Domain

struct ChangeCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "Plan changes through the CAB, the change calendar and review.",
        discussion: """
        States: new -> awaiting-approval (normal, emergency) or authorised (standard) on submit; \
        awaiting-approval -> authorised or rejected by the CAB's votes; authorised -> scheduled; \
        scheduled -> implemented (with an outcome), authorised; implemented -> reviewed -> closed; \
        new, awaiting-approval, authorised and scheduled changes can be cancelled. \
        A normal or emergency change needs at least one --approver to be submitted.
        """,
        subcommands: [
            CreateRecord<Fields>.self, UpdateRecord<Fields>.self, ListRecords<Change>.self, ShowRecord<Change>.self,
            MoveRecord<Submit>.self, Vote.self, Schedule.self, Implement.self, MoveRecord<Review>.self, MoveRecord<Close>.self,
            MoveRecord<Cancel>.self,
        ]
    )

    struct Fields: RecordFieldOptions {
        typealias Record = Change
        @Option(name: .long, help: "What changes, one line (required to create).") var title: String?
        @Option(name: .long, help: "The plan, backout plan, etc.") var description: String?
        @Option(name: .long, help: "standard, normal or emergency (required to create; fixed once submitted).") var type: String?
        @Option(name: .long, help: "low, medium or high (required to create).") var risk: String?
        @Option(name: .long, help: "The service changed, by id or name.") var service: String?
        @Option(name: .long, help: "A CAB approver (repeatable; on update replaces the list; fixed once submitted).") var approver: [String] = []

        var fields: FieldMap {
            FieldMap([
                "title": title, "description": description, "type": type, "risk": risk, "service": service,
                "approvers": approver.isEmpty ? nil : approver.joined(separator: ";"),
            ].compactMapValues { $0 })
        }

        static let createExamples = """
              itsm changes create --title "Upgrade mx1" --type normal --risk medium --service Mail --approver carol --approver dave
              itsm changes create --title "Rotate certificates" --type standard --risk low
            """
        static let updateExamples = """
              itsm changes update 5 --risk high --approver carol
            """
    }

    struct Vote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a CAB approver's vote; the change is authorised once all approve, rejected once any rejects.",
            discussion: "The audit trail records the approver as the voter.\n\nExamples:\n  itsm changes vote 5 --approver carol --approve\n  itsm changes vote 5 --approver dave --reject --comment \"No backout plan\""
        )
        @OptionGroup var action: RecordAction
        @Option(name: .long, help: "The voting CAB member.") var approver: String
        @Flag(help: "The vote.") var decision: Decision
        @Option(name: .long, help: "Why.") var comment: String?

        enum Decision: String, EnumerableFlag { case approve, reject }

        func run() async throws {
            let (approver, approve, comment) = (approver, decision == .approve, comment)
            try await action.perform(on: Change.self) { change, _, at, _ in
                try change.vote(approver: approver, approve: approve, comment: comment, at: at)
            }
        }
    }

    struct Schedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an authorised change on the change calendar, or move a scheduled one.",
            discussion: """
            Times are ISO 8601 with Z or an offset, or local wall time with --time-zone. The window \
            is half-open: the end is not part of it.

            Examples:
              itsm changes schedule 5 --start 2026-12-01T22:00Z --end 2026-12-01T23:30Z
              itsm changes schedule 5 --start "2026-12-01 23:00" --end "2026-12-02 00:30" --time-zone Europe/Berlin
            """
        )
        @OptionGroup var action: RecordAction
        @Option(name: .long, help: "Window start.") var start: String
        @Option(name: .long, help: "Window end (exclusive).") var end: String
        @Option(name: .customLong("time-zone"), help: "IANA time zone of local times.") var timeZone: String?

        func run() async throws {
            let fields = FieldMap(["start": start, "end": end, "time-zone": timeZone].compactMapValues { $0 })
            guard let window = try await reportingRecordFailures({ try Change.window(fields) }) else { return }
            try await action.perform(on: Change.self) { change, _, at, actor in
                try change.schedule(window, at: at, by: actor)
            }
        }
    }

    struct Implement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a scheduled change was implemented, and how it went.",
            discussion: "Examples:\n  itsm changes implement 5 --outcome successful\n  itsm changes implement 5 --outcome backed-out --note \"Rolled back at 23:10\""
        )
        @OptionGroup var action: RecordAction
        @Option(name: .long, help: "successful, failed or backed-out.") var outcome: String
        @Option(name: .long, help: "A note for the audit trail.") var note: String?

        func run() async throws {
            let result: ChangeOutcome = try await reportingRecordFailures { try FieldMap(["outcome": outcome]).requiredChoice("outcome") }
            let note = note
            try await action.perform(on: Change.self) { change, _, at, actor in
                try change.implement(outcome: result, at: at, by: actor, note: note)
            }
        }
    }

    enum Submit: RecordMove {
        static let name = "submit", abstract = "Submit a change to the CAB (a standard change is authorised at once)."
        static var note: String? { nil }
        static func apply(_ record: inout Change, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.submit(at: at, by: actor) }
    }

    enum Review: RecordMove {
        static let name = "review", abstract = "Record the post-implementation review."
        static func apply(_ record: inout Change, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.review(at: at, by: actor, note: note) }
    }

    enum Close: RecordMove {
        static let name = "close", abstract = "Close a reviewed change (final)."
        static var note: String? { nil }
        static func apply(_ record: inout Change, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.close(at: at, by: actor) }
    }

    enum Cancel: RecordMove {
        static let name = "cancel", abstract = "Cancel a change that is not yet implemented."
        static var note: String? { "Why." }
        static func apply(_ record: inout Change, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.cancel(at: at, by: actor, reason: note) }
    }
}
