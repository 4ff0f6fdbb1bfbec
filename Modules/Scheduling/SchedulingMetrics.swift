import Metrics
import Storage

/// What the digest runs report to swift-metrics (exported for Prometheus by the daemon at /metrics).
enum SchedulingMetrics {
    /// Digests built from the stored records: one per run (a resumed run reuses the digest it stored).
    static let built = Counter(label: "itsm_digests_built_total")
    static let enqueued = Counter(label: "itsm_digest_messages_enqueued_total")

    /// A run that ended: sent, skipped or failed.
    static func finished(_ state: DigestRun.State) {
        Counter(label: "itsm_digest_runs_total", dimensions: [("state", state.rawValue)]).increment()
    }
}
