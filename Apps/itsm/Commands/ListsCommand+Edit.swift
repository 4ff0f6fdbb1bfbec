import ArgumentParser
import Domain
import Foundation
import Storage

extension ListsCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a mailing list.",
            discussion: """
            Stages: strategy, design, transition, operation, improvement (default: all).
            Services: names or ids, comma-separated (default: all services).
            Schedules: 'daily HH:MM', 'weekly DAY HH:MM', 'monthly DAY HH:MM', or five-field cron \
            ('0 8 * * 1'), read on the wall clock of --time-zone.

            Examples:
              itsm lists create ops-weekly --title "Operations weekly" --sender itsm@example.org
              itsm lists create mail-p2 --title "Mail incidents" --sender itsm@example.org \\
                --sender-name "IT Service Desk" --stages operation,transition --services Mail,12 \\
                --minimum-priority P2 --schedule "0 7 * * 1-5" --time-zone Europe/Berlin --skip-empty
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug: 1 to 64 of a-z, 0-9 and inner hyphens (e.g. ops-weekly).")
        var slug: String

        @Option(name: .long, help: "The title shown in mail and on the subscribe page.")
        var title: String

        @Option(name: .long, help: "A longer description.")
        var description: String?

        @Option(name: .long, help: ArgumentHelp("The From address of the list's mail.", valueName: "email"))
        var sender: String

        @Option(name: .long, help: "The name shown beside the From address.")
        var senderName: String?

        @Option(name: .long, help: ArgumentHelp("A Reply-To address.", valueName: "email"))
        var replyTo: String?

        @Option(name: .long, help: "Lifecycle stages in the digest, comma-separated.")
        var stages = LifecycleStage.allCases.map(\.rawValue).joined(separator: ",")

        @Option(name: .long, help: "Services (names or ids), comma-separated; all when not given.")
        var services: String?

        @Option(name: .long, help: "Leave out records less urgent than this (P1..P4).")
        var minimumPriority = "P4"

        @Option(name: .long, help: "When digests go out.")
        var schedule = "weekly MON 08:00"

        @Option(name: .long, help: "The IANA time zone the schedule is read in.")
        var timeZone = "UTC"

        @Option(name: .long, help: "A folder of templates replacing the built-in ones.")
        var templateFolder: String?

        @Flag(name: .long, help: "Turn double opt-in off: added subscribers are confirmed at once.")
        var noConfirmation = false

        @Flag(name: .long, help: "Send nothing when every section of a digest is empty.")
        var skipEmpty = false

        func run() async throws {
            let created = try await options.withReportedContext { context in
                let digest = try DigestSelection(
                    stages: try ListFields.stages(stages), serviceIDs: try await ListFields.services(services, in: context.store),
                    minimumPriority: try ListFields.priority(minimumPriority)
                )
                let list = try MailingList(
                    slug: slug, title: title, description: description,
                    sender: try ListSender(address: try ListFields.address(sender, field: "sender"), name: senderName),
                    replyTo: try replyTo.flatMap { try ListFields.optionalAddress($0, field: "replyTo") },
                    digest: digest, schedule: schedule, timeZoneIdentifier: timeZone, templateFolder: templateFolder,
                    requiresConfirmation: !noConfirmation, skipsEmptyDigest: skipEmpty
                )
                let created = try await context.store.mailingLists.create(list, at: context.now)
                return ListReport(created, counts: [:], now: context.now)
            }
            print("Created list '\(created.slug)'; next digest \(created.nextRunLocal.map { "\($0) \(created.timeZone)" } ?? "never").")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a list's settings; options not given keep their values.",
            discussion: """
            An empty value clears an optional setting (--description "", --reply-to "", \
            --sender-name "", --template-folder "", --services "" for all services).

            Examples:
              itsm lists update ops-weekly --schedule "weekly FRI 16:00" --time-zone Europe/Berlin
              itsm lists update ops-weekly --no-confirmation --skip-empty
              itsm lists update ops-weekly --services "" --minimum-priority P3
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var slug: String

        @Option(name: .long, help: "The title.")
        var title: String?

        @Option(name: .long, help: "A longer description.")
        var description: String?

        @Option(name: .long, help: ArgumentHelp("The From address.", valueName: "email"))
        var sender: String?

        @Option(name: .long, help: "The name shown beside the From address.")
        var senderName: String?

        @Option(name: .long, help: ArgumentHelp("A Reply-To address.", valueName: "email"))
        var replyTo: String?

        @Option(name: .long, help: "Lifecycle stages in the digest, comma-separated.")
        var stages: String?

        @Option(name: .long, help: "Services (names or ids), comma-separated; empty for all.")
        var services: String?

        @Option(name: .long, help: "Leave out records less urgent than this (P1..P4).")
        var minimumPriority: String?

        @Option(name: .long, help: "When digests go out.")
        var schedule: String?

        @Option(name: .long, help: "The IANA time zone the schedule is read in.")
        var timeZone: String?

        @Option(name: .long, help: "A folder of templates replacing the built-in ones.")
        var templateFolder: String?

        @Flag(name: .long, inversion: .prefixedNo, help: "Require subscribers to confirm by mail (double opt-in).")
        var confirmation: Bool?

        @Flag(name: .long, inversion: .prefixedNo, help: "Send nothing when every section of a digest is empty.")
        var skipEmpty: Bool?

        func run() async throws {
            let updated = try await options.withReportedContext { context in
                let old = try await context.mailingList(slug)
                let digest = try DigestSelection(
                    stages: try stages.map(ListFields.stages) ?? old.digest.stages,
                    serviceIDs: services == nil ? old.digest.serviceIDs : try await ListFields.services(services, in: context.store),
                    minimumPriority: try minimumPriority.map(ListFields.priority) ?? old.digest.minimumPriority
                )
                var list = try MailingList(
                    slug: old.slug, title: title ?? old.title, description: description ?? old.description,
                    sender: try ListSender(
                        address: try sender.map { try ListFields.address($0, field: "sender") } ?? old.sender.address,
                        name: senderName ?? old.sender.name
                    ),
                    replyTo: try replyTo.map { try ListFields.optionalAddress($0, field: "replyTo") } ?? old.replyTo,
                    digest: digest, schedule: schedule ?? old.schedule, timeZoneIdentifier: timeZone ?? old.timeZoneIdentifier,
                    templateFolder: templateFolder ?? old.templateFolder,
                    requiresConfirmation: confirmation ?? old.requiresConfirmation, skipsEmptyDigest: skipEmpty ?? old.skipsEmptyDigest
                )
                list.id = old.id
                list.version = old.version
                return try await context.store.mailingLists.save(list)
            }
            print("Updated list '\(updated.slug)' (version \(updated.version)).")
        }
    }
}

/// Parsing of list options into domain values; a rejection names the field.
enum ListFields {
    static func address(_ text: String, field: String) throws -> EmailAddress {
        try renaming(field) { () throws(DomainError) in try EmailAddress(parsing: text) }
    }

    /// `body`'s value; a field error it throws is re-thrown naming `field` (the option) instead.
    static func renaming<T>(_ field: String, _ body: () throws(DomainError) -> T) throws -> T {
        do {
            return try body()
        } catch let .invalidField(_, value, expected) {
            throw DomainError.invalidField(field: field, value: value, expected: expected)
        }
    }

    /// nil for an empty value (clears the setting).
    static func optionalAddress(_ text: String, field: String) throws -> EmailAddress? {
        text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try address(text, field: field)
    }

    static func stages(_ text: String) throws -> Set<LifecycleStage> {
        var stages: Set<LifecycleStage> = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !word.isEmpty {
            guard let stage = LifecycleStage(rawValue: word) else {
                throw DomainError.invalidField(
                    field: "digest.stages", value: word, expected: "strategy, design, transition, operation or improvement, comma-separated")
            }
            stages.insert(stage)
        }
        return stages
    }

    static func priority(_ text: String) throws -> Priority {
        try renaming("digest.minimumPriority") { () throws(DomainError) in try Priority(parsing: text) }
    }

    /// Service ids from names or ids; each must exist. Empty text or "all" means all services.
    static func services(_ text: String?, in store: Store) async throws -> [Int64] {
        guard let text else { return [] }
        let words = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if words.count == 1, words[0].lowercased() == "all" { return [] }
        var ids: [Int64] = []
        for word in words {
            if let id = Int64(word) {
                do {
                    ids.append(try await store.services.get(id).id ?? id)
                } catch StorageError.notFound {
                    throw DomainError.invalidField(field: "digest.services", value: word, expected: "the id or name of an existing service")
                }
            } else if let service = try await store.services.named(word), let id = service.id {
                ids.append(id)
            } else {
                throw DomainError.invalidField(field: "digest.services", value: word, expected: "the id or name of an existing service")
            }
        }
        return ids
    }
}
