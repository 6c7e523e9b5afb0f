/// How an outbox delivery is retried: exponential backoff from `initialBackoff`, capped at
/// `maxBackoff`, until `maxAttempts` attempts have failed. Pure: the worker reports what an attempt
/// did and persists the decision.
public struct DeliveryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var initialBackoff: TimeSpan
    public var maxBackoff: TimeSpan

    /// 15 attempts over about 40 minutes: long enough to ride out a chat provider's outage.
    public static let standard = DeliveryPolicy(maxAttempts: 15, initialBackoff: .seconds(1), maxBackoff: .seconds(300))

    public init(maxAttempts: Int, initialBackoff: TimeSpan, maxBackoff: TimeSpan) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// What one attempt did.
    public enum Attempt: Sendable, Equatable {
        case delivered
        /// May work later: connection errors, timeouts, 408, 429, 5xx. `retryAfter` is the
        /// receiver's own `Retry-After`, honoured when longer than the backoff.
        case transient(String, retryAfter: TimeSpan? = nil)
        /// Will not work by retrying: other 4xx, a bad URL.
        case rejected(String)
    }

    /// What to record.
    public enum Decision: Sendable, Equatable {
        case delivered
        case retry(at: Timestamp, reason: String)
        case failed(reason: String)
    }

    /// `attempts` counts this attempt too.
    public func decide(_ attempt: Attempt, attempts: Int, now: Timestamp) -> Decision {
        switch attempt {
        case .delivered:
            return .delivered
        case .rejected(let reason):
            return .failed(reason: reason)
        case .transient(let reason, let retryAfter):
            guard attempts < maxAttempts else { return .failed(reason: "\(reason) (after \(attempts) attempts)") }
            var wait = backoff(afterAttempt: attempts)
            if let retryAfter, retryAfter > wait { wait = min(retryAfter, Self.longestRetryAfter) }
            return .retry(at: now + wait, reason: reason)
        }
    }

    /// The pause after the n-th failed attempt: initial × 2^(n-1), at most `maxBackoff`.
    public func backoff(afterAttempt n: Int) -> TimeSpan {
        var wait = initialBackoff.nanoseconds
        for _ in 1..<max(n, 1) {
            guard wait < maxBackoff.nanoseconds else { break }
            wait = wait.multipliedReportingOverflow(by: 2).overflow ? maxBackoff.nanoseconds : wait * 2
        }
        return TimeSpan(nanoseconds: min(wait, maxBackoff.nanoseconds))
    }

    /// A receiver asking for more than an hour is not obeyed beyond that.
    static let longestRetryAfter = TimeSpan.seconds(3600)
}

extension DeliveryPolicy.Attempt {
    /// Reads a receiver's answer: 2xx delivered; 408, 425, 429 and 5xx worth retrying (with its
    /// `Retry-After` in seconds, if any); any other status will not change by retrying.
    public static func classify(status: Int, retryAfter: String?, body: String) -> Self {
        if (200..<300).contains(status) { return .delivered }
        let detail = body.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(body.prefix(200))"
        if status == 408 || status == 425 || status == 429 || status >= 500 {
            // Only the delta-seconds form; an HTTP date falls back to the backoff.
            let seconds = retryAfter.flatMap { Int64($0.trimmingWhitespace()) }.flatMap { $0 > 0 ? $0 : nil }
            return .transient(detail, retryAfter: seconds.map { TimeSpan.seconds(min($0, 86_400)) })
        }
        return .rejected(detail)
    }
}
