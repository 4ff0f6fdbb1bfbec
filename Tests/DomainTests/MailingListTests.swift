import Testing
@testable import Domain

/// The field an `invalidField` error names, or nil for any other outcome.
private func rejectedField(_ make: () throws(DomainError) -> Void) -> String? {
    do {
        try make()
        return nil
    } catch {
        guard case let .invalidField(field, _, _) = error else { return nil }
        return field
    }
}

private func sender() throws(DomainError) -> ListSender {
    try ListSender(address: EmailAddress(parsing: "itsm@example.org"), name: "IT Service Desk")
}

private func list(
    slug: String = "ops-weekly", title: String = "Operations weekly", description: String? = nil, senderName: String? = "IT Service Desk",
    stages: Set<LifecycleStage> = [.operation], serviceIDs: [Int64] = [], schedule: String = "0 8 * * 1",
    timeZone: String = "Europe/Berlin", templateFolder: String? = nil
) throws(DomainError) -> MailingList {
    let from = try ListSender(address: EmailAddress(parsing: "itsm@example.org"), name: senderName)
    let digest = try DigestSelection(stages: stages, serviceIDs: serviceIDs, minimumPriority: .p2)
    return try MailingList(
        slug: slug, title: title, description: description, sender: from, digest: digest, schedule: schedule,
        timeZoneIdentifier: timeZone, templateFolder: templateFolder
    )
}

@Suite("MailingList: a new list is checked field by field")
struct MailingListTests {
    @Test("a valid list keeps its fields, trims text, and requires confirmation unless told otherwise")
    func valid() throws {
        let replyTo = try EmailAddress(parsing: "Desk@Example.org")
        let digest = try DigestSelection(stages: [.operation, .transition], serviceIDs: [7, 3, 7], minimumPriority: .p2)
        let made = try MailingList(
            slug: "ops-weekly", title: "  Operations weekly ", description: "Incidents and changes\nof the week",
            sender: sender(), replyTo: replyTo, digest: digest, schedule: "0 8 * * 1", timeZoneIdentifier: "Europe/Berlin",
            templateFolder: "/etc/itsm/templates/ops"
        )
        #expect(made.id == nil)
        #expect(made.version == 0)
        #expect(made.slug == "ops-weekly")
        #expect(made.title == "Operations weekly")
        #expect(made.description == "Incidents and changes\nof the week")
        #expect(made.sender.address.address == "itsm@example.org")
        #expect(made.sender.name == "IT Service Desk")
        #expect(made.replyTo?.address == "Desk@example.org")
        #expect(made.digest.stages == [.operation, .transition])
        #expect(made.digest.serviceIDs == [3, 7])
        #expect(made.digest.minimumPriority == .p2)
        #expect(made.schedule == "0 8 * * 1")
        #expect(made.timeZoneIdentifier == "Europe/Berlin")
        #expect(made.templateFolder == "/etc/itsm/templates/ops")
        #expect(made.requiresConfirmation)
    }

    @Test("blank optional text counts as none")
    func blankOptionals() throws {
        let made = try list(description: "  ", senderName: " ", templateFolder: "")
        #expect(made.description == nil)
        #expect(made.sender.name == nil)
        #expect(made.templateFolder == nil)
    }

    @Test("valid slugs", arguments: ["ops", "a", "0", "ops-weekly-2", "a-b-c", String(repeating: "x", count: 64)])
    func validSlugs(_ slug: String) throws {
        #expect(try list(slug: slug).slug == slug)
        #expect(try MailingList.validatedSlug(slug) == slug)
    }

    @Test("slug rejections say what a slug may hold", arguments: [
        ("", "1 to 64 characters"),
        (String(repeating: "x", count: 65), "1 to 64 characters"),
        ("Ops", "only lower-case letters a-z, digits and hyphens, such as ops-weekly"),
        ("ops_weekly", "only lower-case letters a-z, digits and hyphens, such as ops-weekly"),
        ("ops weekly", "only lower-case letters a-z, digits and hyphens, such as ops-weekly"),
        (" ops", "only lower-case letters a-z, digits and hyphens, such as ops-weekly"),
        ("öps", "only lower-case letters a-z, digits and hyphens, such as ops-weekly"),
        ("ops/../x", "only lower-case letters a-z, digits and hyphens, such as ops-weekly"),
        ("-ops", "a slug that does not start or end with a hyphen"),
        ("ops-", "a slug that does not start or end with a hyphen"),
        ("-", "a slug that does not start or end with a hyphen"),
    ])
    func invalidSlugs(_ slug: String, _ expected: String) {
        #expect(throws: DomainError.invalidField(field: "slug", value: slug, expected: expected)) { try list(slug: slug) }
    }

    @Test("an empty title, or one with control characters or line breaks, names the field title", arguments: ["", "  ", "Ops\nweekly", "Ops\u{7}", "Ops\tweekly"])
    func invalidTitle(_ title: String) {
        #expect(rejectedField { () throws(DomainError) in _ = try list(title: title) } == "title")
    }

    @Test("a line break in the sender's name is refused (it becomes a From header)")
    func senderNameInjection() {
        #expect(throws: DomainError.invalidField(field: "sender.name", value: "Desk\r\nBcc: x@y.example", expected: "one line of text without control characters")) {
            _ = try ListSender(address: EmailAddress(parsing: "itsm@example.org"), name: "Desk\r\nBcc: x@y.example")
        }
    }

    @Test("a digest needs at least one stage and positive service ids")
    func digestSelection() {
        #expect(rejectedField { () throws(DomainError) in _ = try list(stages: []) } == "digest.stages")
        #expect(throws: DomainError.invalidField(field: "digest.serviceIDs", value: "0", expected: "positive service ids (leave empty for all services)")) {
            try DigestSelection(stages: [.operation], serviceIDs: [4, 0])
        }
    }

    @Test("an empty digest service list means all services, and the minimum priority defaults to P4")
    func digestDefaults() throws {
        let digest = try DigestSelection(stages: Set(LifecycleStage.allCases))
        #expect(digest.serviceIDs == [])
        #expect(digest.minimumPriority == .p4)
        #expect(digest.stages.count == 5)
    }

    @Test("the schedule is required and must parse as a preset or cron expression; it is kept normalised")
    func schedule() throws {
        #expect(rejectedField { () throws(DomainError) in _ = try list(schedule: " ") } == "schedule")
        #expect(rejectedField { () throws(DomainError) in _ = try list(schedule: "0 8 * * 1\n0 9 * * 2") } == "schedule")
        #expect(rejectedField { () throws(DomainError) in _ = try list(schedule: "whenever") } == "schedule")
        #expect(try list(schedule: "  weekly   MON 08:00 ").schedule == "weekly MON 08:00")
    }

    @Test("an unknown time zone is refused with the field timeZone", arguments: ["Mars/Olympus_Mons", "", "Europe/Berlin "])
    func timeZone(_ zone: String) {
        #expect(throws: DomainError.invalidField(field: "timeZone", value: zone, expected: "an IANA time zone such as Europe/Berlin")) {
            try list(timeZone: zone)
        }
    }

    @Test("a template folder with control characters is refused")
    func templateFolder() {
        #expect(rejectedField { () throws(DomainError) in _ = try list(templateFolder: "/tmp/a\u{0}b") } == "templateFolder")
    }

    @Test("a stored list is rebuilt as stored, without checks")
    func stored() throws {
        let digest = DigestSelection(stored: [], serviceIDs: [9, 2], minimumPriority: .p1)
        let from = ListSender(stored: try EmailAddress(parsing: "itsm@example.org"), name: "Desk")
        let made = MailingList(
            stored: 12, version: 4, slug: "Legacy_Slug", title: "Old", description: nil, sender: from, replyTo: nil,
            digest: digest, schedule: "", timeZoneIdentifier: "UTC", templateFolder: nil, requiresConfirmation: false
        )
        #expect(made.id == 12)
        #expect(made.version == 4)
        #expect(made.slug == "Legacy_Slug")
        #expect(made.digest.serviceIDs == [9, 2])
        #expect(made.digest.stages.isEmpty)
        #expect(!made.requiresConfirmation)
    }
}
