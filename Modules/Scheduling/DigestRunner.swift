import Domain
import Foundation
import Logging
import Notifications
import Reporting
import Storage

/// Sends digests: records the runs that are due, claims them one at a time, builds each digest
/// once, and fans it out to the list's confirmed subscribers through the outbox in batches, each
/// batch one transaction with the cursor that says how far the fan-out got.
///
/// Exactly once: a run is recorded under a unique (list, period) key before anything is enqueued;
/// only the worker holding its claim can move its cursor; every mail carries the idempotency key
/// `digest:<run>:<subscription>`. A worker that dies mid fan-out leaves its claim to expire and the
/// next claimant resumes after the cursor, with the digest as first built.
public struct DigestRunner: Sendable {
    public struct Options: Sendable, Hashable {
        /// Subscribers enqueued per transaction.
        public var batchSize = 500
        /// How old a digest another list with the same filter built for the same period may be for a
        /// run to reuse it rather than build its own.
        public var sharedDigestAge: Duration = .minutes(15)
        /// How long a claim holds without renewal (renewed after every batch).
        public var lease: Duration = .seconds(120)
        /// Attempts before a run is marked failed.
        public var maximumAttempts = 5
        /// Wait after a failed attempt before the next; doubles with each attempt.
        public var retryDelay: Duration = .seconds(60)

        public init() {}
    }

    public let store: Store
    public let subscriptions: SubscriptionService
    public let planner: DigestPlanner
    public let options: Options
    public let worker: String
    public let now: @Sendable () -> Instant
    public let logger: Logger

    public init(
        store: Store, subscriptions: SubscriptionService, planner: DigestPlanner = .init(), options: Options = .init(), worker: String,
        now: @escaping @Sendable () -> Instant, logger: Logger
    ) {
        self.store = store
        self.subscriptions = subscriptions
        self.planner = planner
        self.options = options
        self.worker = worker
        self.now = now
        self.logger = logger
    }

    /// One pass of the schedule loop: record every due run of every list, then send runs until
    /// none is left to claim (or `shouldStop` says so between batches). Returns the runs finished.
    @discardableResult
    public func tick(shouldStop: @Sendable () -> Bool = { false }) async throws -> [DigestRun] {
        try await planDueRuns()
        var finished: [DigestRun] = []
        while !shouldStop(), let run = try await store.digestRuns.claimNext(worker: worker, now: now(), lease: options.lease) {
            if let done = try await execute(run, shouldStop: shouldStop) { finished.append(done) }
        }
        return finished
    }

    /// Records the due runs of every list. A list whose schedule no longer parses is logged and skipped.
    public func planDueRuns() async throws {
        for list in try await store.mailingLists.list() {
            guard let listID = list.id else { continue }
            let since = try await store.digestRuns.planningStart(listID: listID)
            let due: [NewDigestRun]
            do {
                due = try planner.due(list: list, since: since, now: now())
            } catch {
                logger.error("list schedule cannot be read; no digest planned", metadata: ["list": "\(list.slug)", "error": "\(error)"])
                continue
            }
            for new in due {
                let (run, created) = try await store.digestRuns.record(new, at: now())
                if created {
                    logger.info("digest run recorded", metadata: [
                        "list": "\(list.slug)", "period": "\(run.firstDay)..\(run.lastDay)", "run": "\(run.id)", "trigger": "\(run.trigger.rawValue)",
                    ])
                }
            }
        }
    }

    /// `itsm digest send LIST`: records the list's latest complete period as a manual run (or finds
    /// the run the schedule already recorded for it) and sends it now if nobody else is.
    public func sendNow(listSlug: String) async throws -> DigestRun {
        guard let list = try await store.mailingLists.get(slug: listSlug) else { throw DigestRunError.unknownList(listSlug) }
        guard let new = try planner.manual(list: list, now: now()) else { throw DigestRunError.unknownList(listSlug) }
        let (run, _) = try await store.digestRuns.record(new, at: now())
        guard let claimed = try await store.digestRuns.claim(run.id, worker: worker, now: now(), lease: options.lease) else {
            // Sent already, or another worker holds it: report it as it stands.
            return try await store.digestRuns.get(run.id)
        }
        if let finished = try await execute(claimed, shouldStop: { false }) { return finished }
        return try await store.digestRuns.get(run.id)
    }

    // MARK: One run

    /// Builds (or reloads) the run's digest and fans it out from its cursor. Returns the run as it
    /// ended, or nil when it stopped early (asked to stop, or its claim was lost) to be resumed later.
    func execute(_ run: DigestRun, shouldStop: @Sendable () -> Bool) async throws -> DigestRun? {
        var metadata: Logger.Metadata = ["run": "\(run.id)", "period": "\(run.firstDay)..\(run.lastDay)", "attempt": "\(run.attempts)"]
        do {
            let list = try await store.mailingLists.get(run.listID)
            metadata["list"] = "\(list.slug)"
            let digest = try await digest(for: run, list: list)
            if digest.isEmpty, list.skipsEmptyDigest {
                try await store.digestRuns.finish(run.id, state: .skipped, at: now(), worker: worker)
                SchedulingMetrics.finished(.skipped)
                logger.info("digest empty; list skips empty digests", metadata: metadata)
                return try await store.digestRuns.get(run.id)
            }
            let renderer = try DigestRenderer(digest: digest, templateFolder: list.templateFolder)
            // The same for every subscriber: worked out once per run, not per mail.
            let manageURL = subscriptions.publicBaseURL.appendingPathComponent("lists").appendingPathComponent(list.slug).absoluteString
            var cursor = run.cursor
            var enqueued = run.enqueued
            while true {
                if shouldStop() {
                    logger.info("digest fan-out paused for shutdown; the next start resumes it", metadata: metadata)
                    return nil
                }
                let page = try await store.subscriptions.confirmedRecipients(listID: run.listID, after: cursor, limit: options.batchSize)
                guard let last = page.last else { break }
                let at = now()
                let messages = try page.map { recipient in
                    let rendered = renderer.render(for: try Recipient(
                        name: recipient.name, unsubscribeURL: subscriptions.unsubscribeLink(subscriptionID: recipient.subscriptionID).absoluteString,
                        manageURL: manageURL))
                    return (recipient.subscriptionID, try DigestMail(
                        list: list, run: run, recipient: recipient, rendered: rendered,
                        headers: subscriptions.listHeaders(for: list, subscriptionID: recipient.subscriptionID), at: at
                    ).outboxMessage())
                }
                let (store, worker, runID, cursorAfter) = (self.store, self.worker, run.id, last.subscriptionID)
                let added = try await store.transaction { tx in
                    // The page was read before this transaction: whoever unsubscribed or was erased
                    // since gets nothing (an erasure must leave no mail behind). Held until commit on
                    // PostgreSQL, so an erasure under way waits for this batch and then withdraws it.
                    let current = try await store.subscriptions.confirmed(among: messages.map(\.0), in: tx)
                    var added = 0
                    for (subscriptionID, message) in messages where current.contains(subscriptionID) {
                        if try await store.outbox.enqueue(message, at: at, in: tx) { added += 1 }
                    }
                    guard try await store.digestRuns.advance(runID, cursor: cursorAfter, enqueued: added, worker: worker, in: tx) else {
                        throw DigestRunError.claimLost(runID)
                    }
                    return added
                }
                cursor = cursorAfter
                enqueued += Int64(added)
                SchedulingMetrics.enqueued.increment(by: added)
                guard try await store.digestRuns.renew(run.id, worker: worker, until: now() + options.lease) else {
                    throw DigestRunError.claimLost(run.id)
                }
            }
            try await store.digestRuns.finish(run.id, state: .sent, at: now(), worker: worker)
            SchedulingMetrics.finished(.sent)
            metadata["enqueued"] = "\(enqueued)"
            logger.info("digest enqueued for every confirmed subscriber", metadata: metadata)
            return try await store.digestRuns.get(run.id)
        } catch DigestRunError.claimLost {
            logger.warning("digest run claim lost to another worker; it carries on from the cursor", metadata: metadata)
            return nil
        } catch {
            let reason = DatabaseErrorText.describe(error)
            metadata["error"] = .string(reason)
            if run.attempts >= options.maximumAttempts {
                try await store.digestRuns.finish(run.id, state: .failed, error: reason, at: now(), worker: worker)
                SchedulingMetrics.finished(.failed)
                logger.error("digest run failed for good", metadata: metadata)
                return try await store.digestRuns.get(run.id)
            }
            let delay = options.retryDelay * (1 << min(max(run.attempts - 1, 0), 10))
            try await store.digestRuns.postpone(run.id, until: now() + delay, error: reason, worker: worker)
            logger.error("digest run failed; it will be retried", metadata: metadata)
            return nil
        }
    }

    /// The run's digest: the one built on an earlier attempt, or built now and kept with the run.
    private func digest(for run: DigestRun, list: MailingList) async throws -> Digest {
        if let stored = run.digest {
            return try JSONDecoder().decode(Digest.self, from: Data(stored.utf8))
        }
        var digest: Digest
        if let shared = try await sharedDigest(for: run, list: list) {
            digest = shared
        } else {
            let period = try reportingPeriod(of: run, list: list)
            digest = try await DigestBuilder(store: store, now: now).build(list: list, period: period)
            SchedulingMetrics.built.increment()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await store.digestRuns.storeDigest(run.id, digest: String(decoding: try encoder.encode(digest), as: UTF8.self), worker: worker)
        return digest
    }

    /// A digest another list with the same filter built for the same period within
    /// `options.sharedDigestAge` (its forecasts and calendars are as of when it was built), with
    /// this list's name on it; nil when there is none. Lists that select the same stages, services,
    /// minimum priority and time zone get one build per period between them, not one each.
    private func sharedDigest(for run: DigestRun, list: MailingList) async throws -> Digest? {
        let since = now() - options.sharedDigestAge
        for stored in try await store.digestRuns.digestsBuiltAlike(for: run) {
            guard var digest = try? JSONDecoder().decode(Digest.self, from: Data(stored.utf8)), digest.generatedAt.instant >= since else { continue }
            digest.list.slug = list.slug
            digest.list.title = list.title
            logger.debug("digest shared with a list of the same filter", metadata: ["run": "\(run.id)", "list": "\(list.slug)"])
            return digest
        }
        return nil
    }

    /// The period the run covers, of its recorded kind when the days match one (they do unless
    /// the list's time zone changed since), else as an explicit range of days.
    private func reportingPeriod(of run: DigestRun, list: MailingList) throws -> ReportingPeriod {
        let clock = try LocalClock(timeZoneIdentifier: list.timeZoneIdentifier)
        if let kind = ReportingPeriod.Kind(rawValue: run.periodKind), kind != .custom,
           let period = try? ReportingPeriod.previous(kind, before: clock.instant(on: run.lastDay.adding(days: 1)), clock: clock),
           period.firstDay == run.firstDay, period.lastDay == run.lastDay {
            return period
        }
        return try ReportingPeriod(from: run.firstDay, through: run.lastDay, clock: clock)
    }
}

public enum DigestRunError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownList(String)
    case claimLost(Int64)

    public var description: String {
        switch self {
        case let .unknownList(slug): "there is no list '\(slug)'"
        case let .claimLost(id): "digest run \(id) was taken over by another worker"
        }
    }
}
