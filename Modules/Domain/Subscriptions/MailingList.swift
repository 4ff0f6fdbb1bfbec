import Foundation

/// Who a list's mail comes from: the From address and the name shown beside it.
public struct ListSender: Hashable, Sendable {
    public var address: EmailAddress
    /// The display name; nil when none. It goes into a header, so it holds no control characters.
    public var name: String?

    public init(address: EmailAddress, name: String? = nil) throws(DomainError) {
        self.address = address
        self.name = try Validate.optionalLine(name, field: "sender.name", maxLength: 200)
    }

    /// Rebuilds a stored sender; no validation.
    public init(stored address: EmailAddress, name: String?) {
        self.address = address
        self.name = name
    }
}

/// Which records a list's digest carries.
public struct DigestSelection: Hashable, Sendable {
    /// The lifecycle stages with a section in the digest; never empty.
    public var stages: Set<LifecycleStage>
    /// The services whose records are included, ascending and without repeats; empty means all.
    public var serviceIDs: [Int64]
    /// Records less urgent than this are left out (P2 admits P1 and P2).
    public var minimumPriority: Priority

    public init(stages: Set<LifecycleStage>, serviceIDs: [Int64] = [], minimumPriority: Priority = .p4) throws(DomainError) {
        guard !stages.isEmpty else {
            throw .invalidField(field: "digest.stages", value: "", expected: "at least one lifecycle stage (strategy, design, transition, operation, improvement)")
        }
        if let bad = serviceIDs.first(where: { $0 <= 0 }) {
            throw .invalidField(field: "digest.serviceIDs", value: String(bad), expected: "positive service ids (leave empty for all services)")
        }
        self.stages = stages
        self.serviceIDs = Array(Set(serviceIDs)).sorted()
        self.minimumPriority = minimumPriority
    }

    /// Rebuilds a stored selection; no validation.
    public init(stored stages: Set<LifecycleStage>, serviceIDs: [Int64], minimumPriority: Priority) {
        self.stages = stages
        self.serviceIDs = serviceIDs
        self.minimumPriority = minimumPriority
    }
}

/// A list people subscribe to: the digest it carries, when it is sent, and who sends it.
public struct MailingList: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    /// The list's name in URLs and commands: 1 to 64 of a-z, 0-9 and inner hyphens.
    public var slug: String
    public var title: String
    public var description: String?
    public var sender: ListSender
    public var replyTo: EmailAddress?
    public var digest: DigestSelection
    /// When digests go out: a `DigestSchedule` (preset or cron), checked when the list is made.
    public var schedule: String
    /// The IANA time zone the schedule is read in.
    public var timeZoneIdentifier: String
    /// A folder of templates that replaces the built-in ones; nil for the built-in ones.
    public var templateFolder: String?
    /// Double opt-in: nobody is mailed a digest before confirming. On unless turned off.
    public var requiresConfirmation: Bool
    /// Leave out a digest whose every section has nothing to report, instead of sending "nothing happened".
    public var skipsEmptyDigest: Bool

    /// A new list; every field is checked and a rejection names it.
    public init(
        slug: String, title: String, description: String? = nil, sender: ListSender, replyTo: EmailAddress? = nil,
        digest: DigestSelection, schedule: String, timeZoneIdentifier: String, templateFolder: String? = nil,
        requiresConfirmation: Bool = true, skipsEmptyDigest: Bool = false
    ) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.slug = try Self.validatedSlug(slug)
        self.title = try Validate.line(title, field: "title", maxLength: 200)
        self.description = try Validate.optionalText(description, field: "description", maxLength: 2000)
        self.sender = sender
        self.replyTo = replyTo
        self.digest = digest
        self.schedule = try DigestSchedule(parsing: try Validate.line(schedule, field: "schedule", maxLength: 200)).text
        self.timeZoneIdentifier = try LocalClock(timeZoneIdentifier: timeZoneIdentifier).timeZoneIdentifier
        self.templateFolder = try Validate.optionalLine(templateFolder, field: "templateFolder", maxLength: 1024)
        self.requiresConfirmation = requiresConfirmation
        self.skipsEmptyDigest = skipsEmptyDigest
    }

    /// Rebuilds a stored list; no validation.
    public init(
        stored id: Int64, version: Int, slug: String, title: String, description: String?, sender: ListSender,
        replyTo: EmailAddress?, digest: DigestSelection, schedule: String, timeZoneIdentifier: String,
        templateFolder: String?, requiresConfirmation: Bool, skipsEmptyDigest: Bool = false
    ) {
        self.id = id
        self.version = version
        self.slug = slug
        self.title = title
        self.description = description
        self.sender = sender
        self.replyTo = replyTo
        self.digest = digest
        self.schedule = schedule
        self.timeZoneIdentifier = timeZoneIdentifier
        self.templateFolder = templateFolder
        self.requiresConfirmation = requiresConfirmation
        self.skipsEmptyDigest = skipsEmptyDigest
    }

    /// Returns `slug` if it is a valid list slug, or an error naming the field "slug".
    ///
    /// Nothing is lower-cased or trimmed: a slug appears in URLs, and one spelling per list keeps links stable.
    public static func validatedSlug(_ slug: String, field: String = "slug") throws(DomainError) -> String {
        func refuse(_ expected: String) -> DomainError {
            .invalidField(field: field, value: slug.count > 80 ? String(slug.prefix(80)) + "..." : slug, expected: expected)
        }
        guard !slug.isEmpty, slug.utf8.count <= 64 else { throw refuse("1 to 64 characters") }
        guard slug.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            throw refuse("only lower-case letters a-z, digits and hyphens, such as ops-weekly")
        }
        guard !slug.hasPrefix("-"), !slug.hasSuffix("-") else { throw refuse("a slug that does not start or end with a hyphen") }
        return slug
    }
}
