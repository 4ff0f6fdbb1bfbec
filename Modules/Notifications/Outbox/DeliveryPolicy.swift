import Domain

/// How the outbox retries: exponential backoff with jitter, up to a maximum age.
public struct DeliveryPolicy: Sendable, Hashable {
    /// The wait before the second attempt; it doubles with every further attempt.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// After this long since enqueueing, a message that still fails transiently is marked failed.
    public var maximumAge: Duration
    /// How long a claim lasts; a crashed worker's messages are claimed again after it.
    public var lease: Duration
    /// Messages claimed per round.
    public var batchSize: Int
    /// Permanent refusals (5xx at RCPT) after which an address is suppressed and never mailed again.
    public var suppressAfterPermanentFailures: Int
    /// Once the daemon is stopping, how long a round still retries recording mail it sent (the
    /// database full or gone) before it gives up: those messages stay claimed and go out again when
    /// their lease ends, at most one per connection, so that a stop stays bounded.
    public var recordRetryWhenStopping: Duration = .seconds(10)

    public init(
        initialBackoff: Duration = .seconds(60), maximumBackoff: Duration = .hours(1), maximumAge: Duration = .days(2),
        lease: Duration = .minutes(5), batchSize: Int = 64, suppressAfterPermanentFailures: Int = 1
    ) {
        self.suppressAfterPermanentFailures = max(1, suppressAfterPermanentFailures)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.maximumAge = maximumAge
        self.lease = lease
        self.batchSize = max(1, batchSize)
    }

    /// The wait after failed attempt number `attempt` (1-based): `initial x 2^(attempt-1)`, capped,
    /// then scaled by `jitter` in 0.5...1 so that many failures at once do not retry in lockstep.
    public func backoff(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = initialBackoff.microseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        let capped = raw.overflow ? maximumBackoff.microseconds : min(raw.partialValue, maximumBackoff.microseconds)
        let factor = 0.5 + 0.5 * min(max(jitter, 0), 1)
        return .microseconds(Int64(Double(capped) * factor))
    }
}
