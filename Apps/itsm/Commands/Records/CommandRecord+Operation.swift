import Domain
import Storage

// Incidents, problems and service requests for the generic record commands.

extension Incident: CommandRecord {
    static let singular = "incident", plural = "incidents"
    static var filtersByPriority: Bool { true }
    var currentState: IncidentState { state }

    static func repository(_ store: Store) -> IncidentRepository { store.incidents }

    static let columns = ["ID", "PRIORITY", "STATE", "OPENED (UTC)", "SERVICE", "ASSIGNEE", "TITLE"]
    func row(_ names: ReferenceNames) -> [String?] {
        [id.map(String.init), priority.description, state.rawValue, openedAt.iso8601, names.name(serviceID), assignee, title]
    }
    func details(_ names: ReferenceNames) -> [(String, String?)] {
        [
            ("id", id.map(String.init)), ("title", title), ("state", state.rawValue), ("priority", priority.description),
            ("impact", impact.rawValue), ("urgency", urgency.rawValue), ("major", isMajor ? "yes" : "no"),
            ("service", names.name(serviceID)), ("category", category), ("assignee", assignee), ("problem", problemID.map(String.init)),
            ("opened", openedAt.iso8601), ("first response", firstResponseAt.iso8601), ("resolved", resolvedAt.iso8601),
            ("closed", closedAt.iso8601), ("version", String(version)), ("description", description),
        ]
    }
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)] {
        [
            ("title", .text(title)), ("description", .text(description)), ("category", .text(category)),
            ("impact", .text(impact.rawValue)), ("urgency", .text(urgency.rawValue)), ("priority", .text(priority.description)),
            ("major", .bool(isMajor)), ("serviceId", .integer(serviceID)), ("service", .text(names.name(serviceID))),
            ("problemId", .integer(problemID)), ("assignee", .text(assignee)), ("firstResponseAt", .instant(firstResponseAt)),
            ("resolvedAt", .instant(resolvedAt)), ("closedAt", .instant(closedAt)),
        ]
    }
}

extension Problem: CommandRecord {
    static let singular = "problem", plural = "problems"
    var currentState: ProblemState { state }

    static func repository(_ store: Store) -> ProblemRepository { store.problems }

    static let columns = ["ID", "STATE", "KNOWN ERROR", "OPENED (UTC)", "SERVICE", "INCIDENTS", "TITLE"]
    func row(_ names: ReferenceNames) -> [String?] {
        [id.map(String.init), state.rawValue, isKnownError ? "yes" : "no", openedAt.iso8601, names.name(serviceID), String(incidentIDs.count), title]
    }
    func details(_ names: ReferenceNames) -> [(String, String?)] {
        [
            ("id", id.map(String.init)), ("title", title), ("state", state.rawValue), ("known error", isKnownError ? "yes" : "no"),
            ("service", names.name(serviceID)), ("incidents", incidentIDs.isEmpty ? nil : incidentIDs.map(String.init).joined(separator: ", ")),
            ("opened", openedAt.iso8601), ("known error since", knownErrorAt.iso8601), ("resolved", resolvedAt.iso8601),
            ("version", String(version)), ("root cause", rootCause), ("workaround", workaround), ("description", description),
        ]
    }
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)] {
        [
            ("title", .text(title)), ("description", .text(description)), ("serviceId", .integer(serviceID)),
            ("service", .text(names.name(serviceID))), ("knownError", .bool(isKnownError)), ("rootCause", .text(rootCause)),
            ("workaround", .text(workaround)), ("incidentIds", .list(incidentIDs.map { .integer($0) })),
            ("knownErrorAt", .instant(knownErrorAt)), ("resolvedAt", .instant(resolvedAt)),
        ]
    }
}

extension ServiceRequest: CommandRecord {
    static let singular = "request", plural = "requests"
    static var filtersByPriority: Bool { true }
    var currentState: RequestState { state }

    static func repository(_ store: Store) -> RequestRepository { store.requests }

    static let columns = ["ID", "PRIORITY", "STATE", "OPENED (UTC)", "SERVICE", "REQUESTER", "TITLE"]
    func row(_ names: ReferenceNames) -> [String?] {
        [id.map(String.init), priority.description, state.rawValue, openedAt.iso8601, names.name(serviceID), requester, title]
    }
    func details(_ names: ReferenceNames) -> [(String, String?)] {
        [
            ("id", id.map(String.init)), ("title", title), ("state", state.rawValue), ("priority", priority.description),
            ("requester", requester), ("service", names.name(serviceID)), ("opened", openedAt.iso8601),
            ("fulfilled", fulfilledAt.iso8601), ("version", String(version)),
        ]
    }
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)] {
        [
            ("title", .text(title)), ("requester", .text(requester)), ("priority", .text(priority.description)),
            ("serviceId", .integer(serviceID)), ("service", .text(names.name(serviceID))), ("fulfilledAt", .instant(fulfilledAt)),
        ]
    }
}
