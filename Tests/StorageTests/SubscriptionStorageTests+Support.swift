import Domain
import SQLKit
import Storage
import Testing

// MARK: Fixtures shared by SubscriptionStorageTests and SubscriptionFanOutAndErasureStorageTests

func email(_ text: String) throws -> EmailAddress { try EmailAddress(parsing: text) }

/// Consent given on the subscribe form.
let web = ConsentEvidence(
    method: .web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64)"), confirmationText: "Send me the weekly operations digest."
)
/// Consent given with the confirm page's button, from a browser that sent no User-Agent.
let webConfirm = ConsentEvidence(method: .web(ipAddress: "2001:db8::7", userAgent: nil), confirmationText: "Confirm subscription")
/// A change made by an operator with the CLI.
let cli = ConsentEvidence(method: .cli(operator: "grace", reason: "asked by phone"))

/// The tables subscriptions write, plus the ones erasure and transactions touch.
let subscriptionTables = [
    "mailing_lists", "subscribers", "subscriptions", "consent_records", "record_events", "suppressions", "mail_bounces", "outbox_messages",
]

/// Expected row counts of `subscriptionTables`.
func counts(
    lists: Int64, subscribers: Int64, subscriptions: Int64, consent: Int64, events: Int64, suppressions: Int64 = 0, bounces: Int64 = 0, outbox: Int64 = 0
) -> [String: Int64] {
    [
        "mailing_lists": lists, "subscribers": subscribers, "subscriptions": subscriptions, "consent_records": consent,
        "record_events": events, "suppressions": suppressions, "mail_bounces": bounces, "outbox_messages": outbox,
    ]
}

func opsWeekly(title: String = "Operations weekly") throws -> MailingList {
    try MailingList(
        slug: "ops-weekly", title: title, description: "What happened in operations.\nEvery Monday.",
        sender: try ListSender(address: try email("itsm@example.org"), name: "ITSM desk"), replyTo: try email("ops@example.org"),
        digest: try DigestSelection(stages: [.operation, .transition], serviceIDs: [7, 3, 7], minimumPriority: .p2),
        schedule: "weekly MON 08:00", timeZoneIdentifier: "Europe/Berlin", templateFolder: "/etc/itsm/templates/ops", requiresConfirmation: false
    )
}


extension Subscription: AuditedRecord {}

extension Store {
    /// A list with this slug (otherwise `opsWeekly`'s fields); returns its id.
    func makeList(_ slug: String = "ops-weekly") async throws -> Int64 {
        var list = try opsWeekly()
        list.slug = slug
        return try #require(try await mailingLists.create(list, at: t0).id)
    }

    /// Subscribes `address` on the web form at `at` and confirms a minute later; returns the subscription's id.
    func confirmed(_ address: String, name: String? = nil, listID: Int64, at: Instant) async throws -> Int64 {
        let receipt = try await subscriptions.subscribe(address: try email(address), name: name, listID: listID, consent: web, at: at)
        let id = try #require(receipt.subscription.id)
        _ = try await subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: at + .minutes(1))
        return id
    }
}
