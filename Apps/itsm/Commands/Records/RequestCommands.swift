import ArgumentParser
import Domain

struct RequestCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "Handle service requests from approval to fulfilment.",
        discussion: """
        States: new -> approved, in-fulfilment, cancelled; approved -> in-fulfilment, cancelled; \
        in-fulfilment -> fulfilled, cancelled; fulfilled -> closed, in-fulfilment.
        """,
        subcommands: [
            CreateRecord<Fields>.self, UpdateRecord<Fields>.self, ListRecords<ServiceRequest>.self, ShowRecord<ServiceRequest>.self,
            MoveRecord<Approve>.self, MoveRecord<Start>.self, MoveRecord<Fulfil>.self, MoveRecord<Close>.self, MoveRecord<Cancel>.self,
        ]
    )

    struct Fields: RecordFieldOptions {
        typealias Record = ServiceRequest
        @Option(name: .long, help: "What is requested, one line (required to create).") var title: String?
        @Option(name: .long, help: "Who asks (required to create).") var requester: String?
        @Option(name: .long, help: "The catalog service, by id or name.") var service: String?
        @Option(name: .long, help: "P1..P4 (default P4).") var priority: String?

        var fields: FieldMap {
            FieldMap(["title": title, "requester": requester, "service": service, "priority": priority].compactMapValues { $0 })
        }

        static let createExamples = """
              itsm requests create --title "New laptop" --requester alice --priority P3
            """
        static let updateExamples = """
              itsm requests update 4 --priority P2 --service Workplace
            """
    }

    enum Approve: TargetMove {
        typealias Record = ServiceRequest
        static let name = "approve", abstract = "Approve a new request.", target = RequestState.approved
    }

    enum Start: TargetMove {
        typealias Record = ServiceRequest
        static let name = "start", abstract = "Start fulfilling a request (in-fulfilment), or resume a fulfilled one.", target = RequestState.inFulfilment
    }

    enum Fulfil: RecordMove {
        static let name = "fulfil", abstract = "Mark a request fulfilled (a new or approved one passes through in-fulfilment first)."
        static func apply(_ record: inout ServiceRequest, note: String?, at: Instant, by actor: String) throws(DomainError) {
            if record.state == .new || record.state == .approved { try record.move(to: .inFulfilment, at: at, by: actor) }
            try record.move(to: .fulfilled, at: at, by: actor, note: note)
        }
    }

    enum Close: TargetMove {
        typealias Record = ServiceRequest
        static let name = "close", abstract = "Close a fulfilled request (final).", target = RequestState.closed
    }

    enum Cancel: TargetMove {
        typealias Record = ServiceRequest
        static let name = "cancel", abstract = "Cancel a request that is not yet fulfilled.", target = RequestState.cancelled
    }
}
