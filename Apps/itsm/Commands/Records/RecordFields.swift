import Domain
import Storage

// Each record kind built from, or edited with, a `FieldMap`: the one path the `create` and
// `update` commands take, and the one an importer can take row by row (`Incident.make(fields,
// references:at:by:)`). Errors name the field; the domain validates as everywhere else.
//
// Field names: service `name description owner criticality status sla`; incident `title
// description category impact urgency service major`; problem `title description service
// root-cause workaround`; change `title description type risk service approvers start end
// time-zone`; request `title requester service priority`; improvement `title owner service
// metric baseline target due`. Lists (`approvers`) are separated by `;` or `,`. On update an
// absent field stays as it is and an empty one clears an optional field.

extension Service {
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> Service {
        let sla = try await references.sla(fields)
        return try Service(
            name: try fields.required("name"), description: fields.text("description"), owner: fields.text("owner"),
            criticality: try fields.choice("criticality") ?? .medium, status: try fields.choice("status") ?? .pipeline,
            slaID: sla ?? nil, at: at, by: actor
        )
    }

    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws {
        let sla = try await references.sla(fields)
        try update(
            name: fields.text("name"), description: fields.text("description"), owner: fields.text("owner"),
            criticality: try fields.choice("criticality"), slaID: sla, at: at, by: actor
        )
    }
}

extension Incident {
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> Incident {
        let service = try await references.service(fields)
        return try Incident(
            title: try fields.required("title"), description: fields.text("description"), category: fields.text("category"),
            impact: try fields.requiredChoice("impact"), urgency: try fields.requiredChoice("urgency"), serviceID: service ?? nil,
            isMajor: try fields.flag("major") ?? false, at: at, by: actor
        )
    }

    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws {
        let service = try await references.service(fields)
        let impact: Impact? = try fields.choice("impact")
        let urgency: Urgency? = try fields.choice("urgency")
        var next = self
        try next.update(
            title: fields.text("title"), description: fields.text("description"), category: fields.text("category"),
            serviceID: service, isMajor: try fields.flag("major"), at: at, by: actor
        )
        if impact != nil || urgency != nil {
            try next.reprioritise(impact: impact ?? next.impact, urgency: urgency ?? next.urgency, at: at, by: actor)
        }
        self = next
    }
}

extension Problem {
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> Problem {
        let service = try await references.service(fields)
        var problem = try Problem(title: try fields.required("title"), description: fields.text("description"), serviceID: service ?? nil, at: at, by: actor)
        try problem.document(fields, at: at, by: actor)
        return problem
    }

    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws {
        let service = try await references.service(fields)
        var next = self
        try next.update(title: fields.text("title"), description: fields.text("description"), serviceID: service, at: at, by: actor)
        try next.document(fields, at: at, by: actor)
        self = next
    }

    private mutating func document(_ fields: FieldMap, at: Instant, by actor: String) throws(DomainError) {
        let rootCause = fields.text("root-cause"), workaround = fields.text("workaround")
        if rootCause != nil || workaround != nil {
            try document(rootCause: rootCause, workaround: workaround, at: at, by: actor)
        }
    }
}

extension Change {
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> Change {
        let service = try await references.service(fields)
        return try Change(
            title: try fields.required("title"), description: fields.text("description"), type: try fields.requiredChoice("type"),
            risk: try fields.requiredChoice("risk"), serviceID: service ?? nil, window: try window(fields),
            approvers: fields.list("approvers", separators: [";", ","]) ?? [], at: at, by: actor
        )
    }

    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws {
        let service = try await references.service(fields)
        try update(
            title: fields.text("title"), description: fields.text("description"), type: try fields.choice("type"),
            risk: try fields.choice("risk"), serviceID: service, approvers: fields.list("approvers", separators: [";", ","]),
            at: at, by: actor
        )
    }

    /// The planned window from `start` and `end` (with `time-zone` for local times), both or neither.
    static func window(_ fields: FieldMap) throws(DomainError) -> ChangeWindow? {
        let start = try fields.instant("start"), end = try fields.instant("end")
        switch (start, end) {
        case (nil, nil): return nil
        case let (start?, end?): return try ChangeWindow(start: start, end: end)
        case (nil, _): throw .invalidField(field: "start", value: "", expected: "a start time with the end time")
        case (_, nil): throw .invalidField(field: "end", value: "", expected: "an end time with the start time")
        }
    }
}

extension ServiceRequest {
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> ServiceRequest {
        let service = try await references.service(fields)
        return try ServiceRequest(
            title: try fields.required("title"), requester: try fields.required("requester"), serviceID: service ?? nil,
            priority: try fields.priority("priority") ?? .p4, at: at, by: actor
        )
    }

    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws {
        let service = try await references.service(fields)
        try update(
            title: fields.text("title"), requester: fields.text("requester"), serviceID: service,
            priority: try fields.priority("priority"), at: at, by: actor
        )
    }
}

extension Improvement {
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> Improvement {
        let service = try await references.service(fields)
        return try Improvement(
            title: try fields.required("title"), owner: fields.text("owner"), serviceID: service ?? nil,
            metric: try fields.required("metric"), baseline: try fields.requiredNumber("baseline"), target: try fields.requiredNumber("target"),
            dueDate: try fields.date("due") ?? nil, at: at, by: actor
        )
    }

    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws {
        let service = try await references.service(fields)
        try update(
            title: fields.text("title"), owner: fields.text("owner"), serviceID: service, metric: fields.text("metric"),
            baseline: try fields.number("baseline"), target: try fields.number("target"), dueDate: try fields.date("due"),
            at: at, by: actor
        )
    }
}
