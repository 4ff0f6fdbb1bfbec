import Domain
import Foundation
import Storage

/// A mailing list as `itsm lists show --json` and `itsm lists list --json` print it.
struct ListReport: Encodable {
    struct Sender: Encodable {
        var address: String
        var name: String?
    }

    /// Subscriptions by state.
    struct Counts: Encodable {
        var pending: Int
        var confirmed: Int
        var unsubscribed: Int
    }

    var id: Int64?
    var version: Int
    var slug: String
    var title: String
    var description: String?
    var sender: Sender
    var replyTo: String?
    var stages: [String]
    /// Service ids; empty means all services.
    var services: [Int64]
    var minimumPriority: String
    var schedule: String
    var timeZone: String
    var templateFolder: String?
    var requiresConfirmation: Bool
    var skipEmpty: Bool
    var subscribers: Counts
    /// The next digest run after now (ISO 8601, UTC); nil if the schedule never fires again.
    var nextRun: String?
    /// The same on the list's wall clock, `YYYY-MM-DD HH:MM`.
    var nextRunLocal: String?

    init(_ list: MailingList, counts: [SubscriptionState: Int], now: Instant) {
        id = list.id
        version = list.version
        slug = list.slug
        title = list.title
        description = list.description
        sender = Sender(address: list.sender.address.address, name: list.sender.name)
        replyTo = list.replyTo?.address
        stages = LifecycleStage.allCases.filter(list.digest.stages.contains).map(\.rawValue)
        services = list.digest.serviceIDs
        minimumPriority = list.digest.minimumPriority.description
        schedule = list.schedule
        timeZone = list.timeZoneIdentifier
        templateFolder = list.templateFolder
        requiresConfirmation = list.requiresConfirmation
        skipEmpty = list.skipsEmptyDigest
        subscribers = Counts(pending: counts[.pending] ?? 0, confirmed: counts[.confirmed] ?? 0, unsubscribed: counts[.unsubscribed] ?? 0)
        // Stored lists were checked when saved; a schedule or zone that no longer parses shows no next run.
        if let schedule = try? DigestSchedule(parsing: list.schedule), let clock = try? LocalClock(timeZoneIdentifier: list.timeZoneIdentifier),
           let next = schedule.next(after: now, clock: clock) {
            nextRun = next.iso8601
            let minute = clock.minuteOfDay(of: next)
            nextRunLocal = "\(clock.localDate(of: next)) " + String(format: "%02d:%02d", minute / 60, minute % 60)
        }
    }

    /// Label and value lines for people.
    var lines: [(String, String)] {
        var lines: [(String, String)] = [
            ("slug", slug), ("title", title), ("description", description ?? "-"),
            ("sender", sender.name.map { "\($0) <\(sender.address)>" } ?? sender.address),
            ("reply-to", replyTo ?? "-"), ("stages", stages.joined(separator: ", ")),
            ("services", services.isEmpty ? "all" : services.map(String.init).joined(separator: ", ")),
            ("minimum priority", minimumPriority), ("schedule", schedule), ("time zone", timeZone),
            ("templates", templateFolder ?? "built-in"),
            ("opt-in", requiresConfirmation ? "confirmation required" : "off (added subscribers are confirmed at once)"),
            ("empty digests", skipEmpty ? "skipped" : "sent"),
            ("subscribers", "\(subscribers.confirmed) confirmed, \(subscribers.pending) pending, \(subscribers.unsubscribed) unsubscribed"),
        ]
        if let nextRun, let nextRunLocal {
            lines.append(("next run", "\(nextRunLocal) \(timeZone) (\(nextRun))"))
        } else {
            lines.append(("next run", "none"))
        }
        return lines
    }
}

extension CommandContext {
    /// The list's subscriptions by state.
    func counts(of list: MailingList) async throws -> [SubscriptionState: Int] {
        guard let id = list.id else { return [:] }
        return try await store.subscriptions.stateCounts(listID: id)
    }

    /// The list with this slug, or a failure naming the argument.
    func mailingList(_ slug: String) async throws -> MailingList {
        guard let list = try await store.mailingLists.get(slug: slug) else {
            throw CommandFailure("list: there is no mailing list '\(slug.count > 80 ? String(slug.prefix(80)) + "..." : slug)' (itsm lists list shows them)")
        }
        return list
    }
}

/// Prints label/value pairs with the values aligned.
func printFields(_ lines: [(String, String)]) {
    let width = lines.map(\.0.count).max() ?? 0
    for (label, value) in lines {
        print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Table.oneLine(value))
    }
}
