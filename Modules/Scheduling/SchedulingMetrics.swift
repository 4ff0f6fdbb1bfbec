import Metrics
import Storage

/// What the digest runs report to swift-metrics (exported for Prometheus by the daemon at /metrics).
enum SchedulingMetrics {
    static let enqueued = Counter(label: "itsm_digest_messages_enqueued_total")

    /// A run that ended: sent, skipped or failed.
    static func finished(_ state: DigestRun.State) {
        Counter(label: "itsm_digest_runs_total", dimensions: [("state", state.rawValue)]).increment()
    }
}
