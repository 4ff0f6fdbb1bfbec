/// The words the generated records are made of: people, groups, services, categories.
enum Vocabulary {
    static let firstNames = [
        "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ines", "Jonas", "Karin", "Lukas", "Mia",
        "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Uwe", "Vera", "Wen", "Xaver", "Yusuf", "Zoe",
        "Maria", "James", "Priya", "Chen", "Fatima", "Diego", "Aisha", "Tom", "Lena", "Omar", "Sara", "Raj",
    ]
    static let lastNames = [
        "Schmidt", "Miller", "Nguyen", "Kowalski", "Garcia", "Yilmaz", "Okafor", "Johansson", "Rossi", "Dubois",
        "Novak", "Tanaka", "Fischer", "Brown", "Silva", "Weber", "Khan", "Murphy", "Costa", "Meyer", "Lee", "Wagner",
    ]

    /// A person's login-style name, e.g. `anna.schmidt`, deterministic for an index.
    static func person(_ index: Int) -> String {
        let first = firstNames[index % firstNames.count]
        let last = lastNames[(index / firstNames.count + index * 7) % lastNames.count]
        return "\(first.lowercased()).\(last.lowercased())"
    }

    static func displayName(_ index: Int) -> String {
        "\(firstNames[index % firstNames.count]) \(lastNames[(index / firstNames.count + index * 7) % lastNames.count])"
    }

    static let deskAgents = (0..<40).map { "desk." + person($0 * 3 + 1) }
    static let resolvers = (0..<300).map { person($0 * 5 + 2) }
    static let problemManagers = (0..<12).map { person($0 * 11 + 4) }
    static let changeManagers = (0..<10).map { person($0 * 13 + 6) }
    static let cabMembers = (0..<12).map { "cab." + person($0 * 17 + 3) }
    static let emergencyCAB = (0..<4).map { "ecab." + person($0 * 19 + 5) }
    static let requesters = (0..<2000).map { person($0) + "@corp.example" }

    static let resolverGroups = [
        "Service Desk", "Network Operations", "Database Administration", "Platform Engineering", "Identity & Access",
        "Workplace Services", "Application Support ERP", "Application Support CRM", "Web Operations", "Storage & Backup",
        "Security Operations", "Messaging", "Telephony", "Field Services", "Cloud Operations", "Data Platform",
        "Payments Team", "Integration Team", "Mobile Team", "Middleware",
    ]

    static let serviceAreas = [
        "Payroll", "HR Portal", "Web Shop", "Payments", "CRM", "ERP Finance", "Data Warehouse", "Email", "VPN", "Wi-Fi",
        "Identity", "Printing", "Telephony", "Intranet", "Ticketing", "Logistics", "Billing", "Mobile App", "Search",
        "Monitoring", "File Shares", "Video Conferencing", "Source Control", "CI Pipeline", "Warehouse Scanner",
        "Customer Portal", "Partner API", "Document Management", "Expense Claims", "Procurement", "Time Tracking",
        "Learning Platform", "Recruiting", "Contract Management", "Fleet Management", "Building Access", "Helpdesk Chat",
        "Analytics", "Marketing Automation", "Order Management",
    ]
    static let serviceComponents = ["", "API", "Frontend", "Batch Jobs", "Database", "Gateway", "Reporting", "Integration", "Storage", "Authentication", "Notifications", "Mobile"]
    /// Areas whose services freeze for peak trading.
    static let tradingAreas: Set<String> = ["Web Shop", "Payments", "Mobile App", "Search", "Order Management", "Customer Portal"]
    /// Areas whose services freeze at quarter close.
    static let financeAreas: Set<String> = ["Payroll", "ERP Finance", "Billing", "Expense Claims", "Procurement"]

    /// Incident categories with a skewed share (a few categories make most incidents).
    static let categories: [(name: String, weight: Double, titles: [String])] = [
        ("Access & identity", 18, ["Cannot log in", "Password reset fails", "Account locked", "MFA prompt loops", "Missing permission"]),
        ("Software bug", 14, ["Error 500 on save", "Report shows wrong totals", "Button does nothing", "Crash on start", "Export fails"]),
        ("Network", 11, ["Connection drops", "Slow network", "DNS does not resolve", "VPN disconnects", "Packet loss"]),
        ("Performance", 9, ["Page loads slowly", "Timeouts under load", "Batch job overruns", "High latency"]),
        ("Hardware", 8, ["Laptop does not boot", "Monitor flickers", "Docking station fails", "Disk failure reported"]),
        ("Email", 7, ["Mail not delivered", "Mailbox full", "Calendar not syncing", "Spam not filtered"]),
        ("Monitoring alert", 6, ["Disk usage above threshold", "Health check failing", "Certificate expires soon", "Queue depth high"]),
        ("Database", 5, ["Deadlocks reported", "Replication lag", "Query timeouts", "Connection pool exhausted"]),
        ("Configuration", 4, ["Wrong setting after update", "Feature flag misconfigured", "Proxy settings lost"]),
        ("Printing", 3.5, ["Printer offline", "Print jobs stuck", "Scanner not sending"]),
        ("Storage", 3, ["Share not accessible", "Quota exceeded", "Sync conflict"]),
        ("Integration", 3, ["Interface messages stuck", "API returns 401", "Import file rejected"]),
        ("Security", 2.5, ["Phishing mail reported", "Malware detected", "Suspicious login"]),
        ("Capacity", 2, ["Out of licences", "Cluster at capacity"]),
        ("Backup", 1.5, ["Backup job failed", "Restore request failed"]),
        ("Telephony", 1.5, ["No dial tone", "Call quality poor"]),
        ("Data quality", 1, ["Duplicate customer records", "Missing master data"]),
    ]

    static let holdReasons = ["waiting for the caller", "waiting for the vendor", "waiting for a spare part", "waiting for a change window", "caller on leave"]
    static let requestTitles = [
        "New laptop", "Access to shared folder", "Software installation", "New mobile phone", "Distribution list change",
        "VPN access", "Licence for design tool", "Guest Wi-Fi voucher", "Reset token", "New starter account",
        "Leaver account removal", "Additional monitor", "Database read access", "Firewall rule", "Mailbox delegation",
    ]
    static let changeTitles = [
        "Patch operating system", "Upgrade database engine", "Rotate TLS certificates", "Deploy release", "Increase disk capacity",
        "Replace network switch", "Migrate to new cluster", "Update firewall rules", "Change backup schedule", "Upgrade load balancer",
        "Apply security hotfix", "Decommission old servers", "Enable new feature flag", "Resize virtual machines",
    ]
    static let problemTitles = [
        "Recurring login failures", "Intermittent timeouts", "Memory leak in service", "Nightly job overruns", "Certificate handling defect",
        "Connection pool exhaustion", "Replication instability", "Faulty firmware on devices", "Race condition on save", "Misrouted alerts",
    ]
}
