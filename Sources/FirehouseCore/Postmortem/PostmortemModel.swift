/// Everything a post-mortem draft shows, computed from the stored incident. This is also the data
/// model custom Mustache templates see, field by field under the same names (documented in the
/// README), so a field added here is in templates too. Text fields hold the raw text; renderers
/// escape it.
public struct PostmortemModel: Sendable, Equatable {
    public var ref: String
    public var id: Int64
    public var title: String
    public var status: String
    public var severity: String
    /// `YYYY-MM-DD` (UTC) of the incident's start.
    public var date: String
    /// The people who took part: role holders and chat actors, in order of first appearance.
    public var authors: [String]
    /// The summary given when the incident was resolved, or empty.
    public var summary: String
    public var links: [Link]
    public var impact: Impact
    public var metrics: Metrics
    public var roles: [RoleHistory]
    public var timeline: [TimelineRow]
    public var runbook: RunbookInfo?
    public var relatedRunbooks: [RunbookInfo]
    public var actionItems: [ActionItem]
    public var alerts: [AlertInfo]
    /// A rehearsal: the draft follows the game-day structure and charges no budget.
    public var drill: Bool = false
    /// What this incident cost each service's error budget it was charged to.
    public var sloImpact: [SLOImpact] = []

    /// One service's budget and this incident's share of it.
    public struct SLOImpact: Sendable, Equatable {
        public var service: String
        /// Percent, e.g. 99.9.
        public var objective: Double
        public var window: TimeSpan
        public var allowed: TimeSpan
        /// Charged for this incident (overlaps with earlier incidents of the service are theirs).
        public var charged: TimeSpan
        /// `charged` as a percentage of `allowed`.
        public var shareOfBudget: Double
        /// What remains of the budget now (negative once overspent).
        public var remaining: TimeSpan
        public var remainingRatio: Double
    }

    public struct Link: Sendable, Equatable {
        public var name: String
        public var url: String
    }

    public struct Impact: Sendable, Equatable {
        /// Earliest alert `startsAt` (else the incident's open time).
        public var start: Timestamp
        public var detected: Timestamp
        public var end: Timestamp?
        public var duration: TimeSpan?
        public var services: [String]
        public var namespaces: [String]
        public var alertnames: [String]
        public var peakFiringAlerts: Int
    }

    public struct Metrics: Sendable, Equatable {
        public var timeToDetect: TimeSpan?
        public var timeToAcknowledge: TimeSpan?
        public var timeToMitigate: TimeSpan?
        public var timeToResolve: TimeSpan?
        public var timeToClose: TimeSpan?
        public var alertCount: Int
        public var reopenCount: Int
        public var severityChanges: Int
        /// Time between opening and resolution (or the end of the record) with no commander.
        public var timeWithoutCommander: TimeSpan
    }

    public struct RoleHistory: Sendable, Equatable {
        public var role: String
        public var holders: [Holder]
    }

    public struct Holder: Sendable, Equatable {
        public var user: String
        public var from: Timestamp
        public var to: Timestamp?
        public var duration: TimeSpan
    }

    public struct TimelineRow: Sendable, Equatable {
        public var time: Timestamp
        /// Set when several alert events are grouped into this row.
        public var until: Timestamp?
        public var event: String
        public var actor: String
    }

    public struct RunbookInfo: Sendable, Equatable {
        public var id: String
        public var title: String
        public var path: String
        public var attachedAt: Timestamp?
    }

    public struct ActionItem: Sendable, Equatable {
        public var text: String
        public var author: String
        public var time: Timestamp
    }

    public struct AlertInfo: Sendable, Equatable {
        public var alertname: String
        public var fingerprint: String
        public var status: String
        public var startsAt: Timestamp
        public var endsAt: Timestamp?
        public var labels: [(name: String, value: String)]
        public var annotations: [(name: String, value: String)]
        public var generatorURL: String

        public static func == (a: AlertInfo, b: AlertInfo) -> Bool {
            a.fingerprint == b.fingerprint && a.startsAt == b.startsAt && a.status == b.status && a.endsAt == b.endsAt
                && a.labels.map(\.name) == b.labels.map(\.name) && a.labels.map(\.value) == b.labels.map(\.value)
                && a.annotations.map(\.name) == b.annotations.map(\.name) && a.annotations.map(\.value) == b.annotations.map(\.value)
                && a.generatorURL == b.generatorURL && a.alertname == b.alertname
        }
    }
}
