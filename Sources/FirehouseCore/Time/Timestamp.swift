/// A point in time as whole nanoseconds since the Unix epoch, exact and totally ordered.
///
/// Alertmanager sends RFC 3339 times with 0-9 fractional digits; keeping nanoseconds as an
/// integer makes an episode's identity `(fingerprint, startsAt)` exact, which `Double` dates are not.
///
/// Arithmetic saturates instead of trapping: a time or duration from outside (a webhook, a query, a
/// chat command) must never be able to stop the process. Parsers accept only `representable`
/// times, so differences between parsed times are always exact.
public struct Timestamp: Hashable, Comparable, Sendable, Codable {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init(seconds: Int64) { self.nanoseconds = Saturating.multiply(seconds, 1_000_000_000) }

    /// 1970-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z: what parsers accept. Any
    /// two such times are less than 2^63 ns apart, so their difference never saturates.
    public static let representable = Timestamp(nanoseconds: 0)..<Timestamp(nanoseconds: 7_258_118_400 * 1_000_000_000)

    /// How `representable` reads in error messages.
    public static let representableText = "between 1970-01-01 and 2199-12-31"

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        Timestamp(nanoseconds: Saturating.add(lhs.nanoseconds, rhs.nanoseconds))
    }

    public static func - (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        Timestamp(nanoseconds: Saturating.subtract(lhs.nanoseconds, rhs.nanoseconds))
    }

    public static func - (lhs: Timestamp, rhs: Timestamp) -> TimeSpan {
        TimeSpan(nanoseconds: Saturating.subtract(lhs.nanoseconds, rhs.nanoseconds))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an RFC 3339 time \(Timestamp.representableText): \(text.prefix(40))")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}

/// A signed length of time in nanoseconds; arithmetic saturates at the ends of Int64. Not Swift's
/// `Duration`: times are stored as Int64 nanoseconds and hostile alert times must clamp, not trap.
public struct TimeSpan: Hashable, Comparable, Sendable {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func seconds(_ s: Int64) -> TimeSpan { TimeSpan(nanoseconds: Saturating.multiply(s, 1_000_000_000)) }
    public static func minutes(_ m: Int64) -> TimeSpan { .seconds(Saturating.multiply(m, 60)) }
    public static func hours(_ h: Int64) -> TimeSpan { .minutes(Saturating.multiply(h, 60)) }

    public static let zero = TimeSpan(nanoseconds: 0)

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan {
        TimeSpan(nanoseconds: Saturating.add(lhs.nanoseconds, rhs.nanoseconds))
    }

    public static func - (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan {
        TimeSpan(nanoseconds: Saturating.subtract(lhs.nanoseconds, rhs.nanoseconds))
    }

    public static func * (lhs: TimeSpan, rhs: Int64) -> TimeSpan {
        TimeSpan(nanoseconds: Saturating.multiply(lhs.nanoseconds, rhs))
    }

    /// Whole seconds, as a `Double` for JSON and metrics (never traps, unlike `Int64(Double)`).
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Swift's `Duration`, for sleeps and timeouts.
    public var duration: Duration { .nanoseconds(nanoseconds) }
}

/// Int64 arithmetic that clamps to `Int64.min ... Int64.max` instead of trapping.
public enum Saturating {
    public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    public static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : difference
    }

    public static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? ((a < 0) == (b < 0) ? .max : .min) : product
    }

    /// `Int64(value)` for any `Double`: NaN is 0, out of range clamps.
    public static func int64(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.223372036854775807e18 { return .max }
        if value <= -9.223372036854775808e18 { return .min }
        return Int64(value)
    }

    /// `abs` that cannot trap on `Int64.min`.
    public static func magnitude(_ a: Int64) -> Int64 { a == .min ? .max : abs(a) }
}

/// Where "now" comes from, as wall time; injected so domain code and tests never read the clock
/// themselves. Not Swift's `Clock`: its clocks are monotonic, and their instants cannot be stored
/// or compared across restarts as incident times must.
public protocol WallClock: Sendable {
    func now() -> Timestamp
}

/// A clock that always answers the time it was given; for tests and replays.
public struct FixedClock: WallClock {
    public var time: Timestamp
    public init(_ time: Timestamp) { self.time = time }
    public func now() -> Timestamp { time }
}
