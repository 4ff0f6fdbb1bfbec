/// How a digest names its period in prose and in column headings: "this week", "Week before".
struct PeriodWords: Sendable {
    /// "this week", "this month", "on this day", "in this period".
    let during: String
    /// "next week": the change calendar's horizon.
    let next: String
    let currentColumn: String
    let previousColumn: String
    /// "the week before": what the changes are measured against.
    var versus: String { previousColumn == "Previous" ? "the previous period" : "the \(previousColumn.lowercased())" }

    init(kind: String) {
        switch kind {
        case "day":
            (during, next, currentColumn, previousColumn) = ("on this day", "the next day", "This day", "Day before")
        case "week":
            (during, next, currentColumn, previousColumn) = ("this week", "next week", "This week", "Week before")
        case "month":
            (during, next, currentColumn, previousColumn) = ("this month", "next month", "This month", "Month before")
        default:
            (during, next, currentColumn, previousColumn) = ("in this period", "the next period", "This period", "Previous")
        }
    }
}
