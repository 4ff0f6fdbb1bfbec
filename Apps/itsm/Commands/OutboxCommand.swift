import ArgumentParser
import Domain
import Foundation
import Storage

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "See the mail waiting in the outbox, retry failed mail, purge old mail.",
        subcommands: [Status.self, List.self, Retry.self, Purge.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the messages by status and say how long the oldest one has waited.",
            discussion: """
            Examples:
              itsm outbox status
              itsm outbox status --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let (summary, now) = try await options.withContext { context in (try await context.store.outbox.summary(), context.now) }
            let counts = OutboxMessage.Status.allCases.map { ($0.rawValue, summary.counts[$0] ?? 0) }
            let waited = summary.oldestWaiting.map { now - $0 }
            if json {
                struct Report: Encodable {
                    var counts: [String: Int], total: Int, oldestWaitingSince: String?, oldestWaitingSeconds: Int64?
                }
                return try printJSON(Report(
                    counts: Dictionary(uniqueKeysWithValues: counts), total: counts.reduce(0) { $0 + $1.1 },
                    oldestWaitingSince: summary.oldestWaiting?.iso8601, oldestWaitingSeconds: waited.map { max(0, $0.components.seconds) }))
            }
            var table = Table("STATUS", "MESSAGES")
            for (status, count) in counts { table.add(status, String(count)) }
            table.add("total", String(counts.reduce(0) { $0 + $1.1 }))
            print(table.rendered)
            if let oldest = summary.oldestWaiting, let waited {
                print("\nOldest waiting message: enqueued \(oldest.iso8601), \(Self.words(waited)) ago.")
            } else {
                print("\nNothing is waiting.")
            }
        }

        /// "3d 4h", "2h 0m", "42s": the largest unit that fits and the one below it.
        static func words(_ duration: Duration) -> String {
            let seconds = max(0, duration.components.seconds)
            let units: [(size: Int64, name: String)] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")]
            let first = units.firstIndex { seconds >= $0.size } ?? units.count - 1
            let shown = units[first...].prefix(2)
            var rest = seconds
            return shown.map { unit in
                defer { rest %= unit.size }
                return "\(rest / unit.size)\(unit.name)"
            }.joined(separator: " ")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List outbox messages, newest first (recipients shown; message bodies and links never).",
            discussion: """
            Examples:
              itsm outbox list
              itsm outbox list --failed
              itsm outbox list --status queued --limit 200 --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Only failed messages (same as --status failed).")
        var failed = false

        @Option(help: "Only messages with this status: queued, sending, sent or failed.")
        var status: OutboxMessage.Status?

        @Option(help: "At most this many messages.")
        var limit = 50

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            if failed, let status, status != .failed { throw ValidationError("--failed and --status \(status.rawValue) contradict each other") }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit: expected 1 to 100000, got \(limit)") }
        }

        func run() async throws {
            let wanted = failed ? .failed : status
            let messages = try await options.withContext { context in
                try await context.store.outbox.list(status: wanted, limit: limit, newestFirst: true).map(MessageReport.init)
            }
            if json { return try printJSON(messages) }
            var table = Table("ID", "KIND", "STATUS", "TO", "ATTEMPTS", "CREATED", "NEXT/DONE", "LAST ERROR / REPLY")
            for message in messages {
                table.add(
                    String(message.id), message.kind, message.status, message.recipients.joined(separator: ", "), String(message.attempts),
                    message.createdAt, message.sentAt ?? message.failedAt ?? message.nextAttemptAt, message.lastError ?? message.serverReply)
            }
            table.print(emptyMessage: wanted.map { "No \($0.rawValue) messages." } ?? "The outbox is empty.")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put failed messages back in the queue, due now.",
            discussion: """
            A retried message gets a fresh retry window: its attempts and the age at which the outbox \
            gives up count again from now. Messages to suppressed addresses fail again.

            Examples:
              itsm outbox retry 42
              itsm outbox retry --all-failed
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The failed message's id (itsm outbox list --failed).")
        var id: Int64?

        @Flag(help: "Every failed message.")
        var allFailed = false

        func validate() throws {
            if (id == nil) == !allFailed { throw ValidationError("give either a message id or --all-failed") }
        }

        func run() async throws {
            let id = id
            let retried: Int = try await options.withContext { context in
                guard let id else { return try await context.store.outbox.retryAllFailed(at: context.now) }
                if try await context.store.outbox.retryFailed(id, at: context.now) { return 1 }
                let message: OutboxMessage
                do {
                    message = try await context.store.outbox.get(id)
                } catch StorageError.notFound {
                    throw CommandFailure("there is no outbox message \(id)")
                }
                throw CommandFailure("message \(id) is \(message.status.rawValue), not failed: only failed messages are retried")
            }
            if let id {
                print("Message \(id) is queued again.")
            } else {
                print(retried == 0 ? "No failed messages." : "\(retried) failed message\(retried == 1 ? " is" : "s are") queued again.")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete sent and failed messages older than a given age (queued and sending ones never).",
            discussion: """
            The age counts from when a message was sent, or when it failed for good.

            Examples:
              itsm outbox purge --older-than 30d
              itsm outbox purge --older-than 12h --status failed
            """
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "An age: a whole number with d (days), h (hours) or m (minutes), e.g. 30d.")
        var olderThan: AgeArgument

        @Option(help: "Only sent or only failed messages (default: both).")
        var status: FinishedStatus?

        enum FinishedStatus: String, ExpressibleByArgument, CaseIterable {
            case sent, failed
        }

        func run() async throws {
            let (deleted, cutoff) = try await options.withContext { context in
                let cutoff = context.now - olderThan.duration
                let deleted = try await context.store.outbox.purge(
                    sentBefore: status == .failed ? nil : cutoff, failedBefore: status == .sent ? nil : cutoff)
                return (deleted, cutoff)
            }
            let what = status.map { "\($0.rawValue) message" } ?? "sent or failed message"
            print("Deleted \(deleted) \(what)\(deleted == 1 ? "" : "s") finished before \(cutoff.iso8601).")
        }
    }
}

extension OutboxMessage.Status: ExpressibleByArgument {}

/// `30d`, `12h`, `90m`: how old something must be.
struct AgeArgument: ExpressibleByArgument, Sendable {
    var duration: Duration

    init?(argument: String) {
        guard let unit = argument.last, let value = Int64(argument.dropLast()), value > 0, value <= 100_000 else { return nil }
        switch unit {
        case "d": duration = .days(value)
        case "h": duration = .hours(value)
        case "m": duration = .minutes(value)
        default: return nil
        }
    }
}

/// One outbox message as `itsm outbox list` shows it: its envelope and state, never its bytes.
struct MessageReport: Encodable, Sendable {
    var id: Int64
    var kind: String
    var status: String
    var recipients: [String]
    var attempts: Int
    var createdAt: String
    var nextAttemptAt: String
    var sentAt: String?
    var failedAt: String?
    var lastError: String?
    var smtpCode: Int?
    var serverReply: String?

    init(_ message: OutboxMessage) {
        id = message.id
        kind = message.kind
        status = message.status.rawValue
        recipients = message.recipients
        attempts = message.attempts
        createdAt = message.createdAt.iso8601
        nextAttemptAt = message.nextAttemptAt.iso8601
        sentAt = message.sentAt?.iso8601
        failedAt = message.failedAt?.iso8601
        lastError = message.lastError
        smtpCode = message.smtpCode
        serverReply = message.serverReply
    }
}
