/// The storm rule for one chat target: once more than `threshold` incidents opened on it within
/// `window`, their `opened` messages are no longer sent one by one. They are gathered for
/// `gather` (the burst keeps arriving) and sent as one digest that lists every one of them; the
/// incidents' later events still go out on their own. Pure: the worker asks, sends and records.
public struct StormDigest: Sendable, Equatable {
    public var threshold: Int
    public var window: TimeSpan
    /// How long the oldest gathered opening waits for more before the digest goes out.
    public var gather: TimeSpan
    /// Most incidents one digest lists (what every platform's message limits hold); a larger
    /// storm is listed in several digests.
    public var maxListed: Int

    public init(threshold: Int, window: TimeSpan, gather: TimeSpan = .seconds(5), maxListed: Int = 40) {
        self.threshold = threshold
        self.window = window
        self.gather = gather
        self.maxListed = maxListed
    }

    /// Off (`threshold` 0): every opening is sent on its own.
    public var isEnabled: Bool { threshold > 0 }

    public enum Decision: Sendable, Equatable {
        /// Send the head on its own.
        case single
        /// A storm: wait for more openings until then.
        case wait(until: Timestamp)
        /// A storm: send one digest of these deliveries (ids, oldest first).
        case digest([Int64])
    }

    /// What to do with a target's due `opened` head. `recent` counts the openings raised on this
    /// target since `now - window` (sent or not, the head included); `pending` holds the target's
    /// pending openings (id and when each was raised, oldest first, the head first).
    public func decide(recent: Int, pending: [(id: Int64, at: Timestamp)], now: Timestamp) -> Decision {
        // One pending opening is not worth a digest (a slow storm): it goes at once.
        guard isEnabled, recent > threshold, pending.count > 1, let oldest = pending.first else { return .single }
        let due = oldest.at + gather
        if now < due, pending.count < maxListed { return .wait(until: due) }
        return .digest(pending.prefix(maxListed).map(\.id))
    }
}

/// One digest message: how many incidents opened in the window, the busiest services and every
/// incident it stands for. Texts are raw; each notifier escapes them.
public struct DigestMessage: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var ref: String
        public var severity: Severity
        public var title: String
        public var service: String?
        public var url: String?
        public var drill: Bool

        public init(ref: String, severity: Severity, title: String, service: String?, url: String?, drill: Bool = false) {
            self.drill = drill
            self.ref = ref
            self.severity = severity
            self.title = title
            self.service = service
            self.url = url
        }
    }

    /// Openings on this target within the window (the headline figure).
    public var openedInWindow: Int
    public var window: TimeSpan
    /// Services with the most incidents in this digest, busiest first (at most five).
    public var topServices: [(service: String, count: Int)]
    public var items: [Item]
    /// The incident list page, when an external URL is configured.
    public var listURL: String?
    public var at: Timestamp

    public init(openedInWindow: Int, window: TimeSpan, items: [Item], listURL: String?, at: Timestamp) {
        self.openedInWindow = openedInWindow
        self.window = window
        self.items = items
        self.listURL = listURL
        self.at = at
        var counts: [String: Int] = [:]
        for item in items { if let service = item.service { counts[service, default: 0] += 1 } }
        topServices = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
            .map { (service: $0.key, count: $0.value) }
    }

    public static func == (a: DigestMessage, b: DigestMessage) -> Bool {
        a.openedInWindow == b.openedInWindow && a.window == b.window && a.items == b.items && a.listURL == b.listURL && a.at == b.at
            && a.topServices.map(\.service) == b.topServices.map(\.service) && a.topServices.map(\.count) == b.topServices.map(\.count)
    }

    /// "37 incidents opened in the last 1m"
    public var headline: String {
        "\(openedInWindow) incident\(openedInWindow == 1 ? "" : "s") opened in the last \(window.humanReadable)"
    }

    /// "checkout 12, payments 3"
    public var servicesLine: String? {
        topServices.isEmpty ? nil : topServices.map { "\($0.service) \($0.count)" }.joined(separator: ", ")
    }
}
