import Dispatch
import Metrics

/// What delivery reports to swift-metrics (exported for Prometheus by the daemon at /metrics).
/// Without a metrics backend bootstrapped, these cost next to nothing and go nowhere.
enum DeliveryMetrics {
    static let sent = Counter(label: "itsm_outbox_sent_total")
    static let failed = Counter(label: "itsm_outbox_failed_total")
    static let retried = Counter(label: "itsm_outbox_retried_total")
    /// One SMTP transaction (MAIL FROM to the reply to the message's final dot), successful or not.
    static let smtpTransaction = Metrics.Timer(label: "itsm_smtp_transaction_seconds", preferredDisplayUnit: .seconds)

    static func record(_ round: DeliveryRound) {
        if round.sent > 0 { sent.increment(by: round.sent) }
        if round.failed > 0 { failed.increment(by: round.failed) }
        if round.retried > 0 { retried.increment(by: round.retried) }
    }

    /// Times `body` as one SMTP transaction.
    static func timeTransaction<R>(_ body: () -> R) -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { smtpTransaction.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        return body()
    }
}
