/// An Alertmanager silence for an incident's alerts: equality matchers on the labels its alerts
/// share, so the silence covers them all (and later alerts like them) but nothing broader.
public struct SilenceRequest: Sendable, Equatable {
    public var matchers: LabelSet
    public var startsAt: Timestamp
    public var endsAt: Timestamp
    public var createdBy: String
    public var comment: String

    public init(matchers: LabelSet, startsAt: Timestamp, endsAt: Timestamp, createdBy: String, comment: String) {
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
    }

    /// The longest silence Firehouse creates: a forgotten silence hides the next outage.
    public static let longest = TimeSpan.seconds(7 * 86_400)

    /// Why an incident cannot be silenced.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case noAlerts(Int64)
        case noCommonLabels(Int64)
        case badDuration(String)

        public var description: String {
            switch self {
            case .noAlerts(let id): "\(IncidentReference.format(id)) has no alerts to silence"
            case .noCommonLabels(let id):
                "the alerts of \(IncidentReference.format(id)) share no label, so a silence would match every alert"
            case .badDuration(let text): text
            }
        }
    }

    /// Firing alerts decide the matchers; an incident whose alerts all resolved uses all of them.
    public static func make(incident: IncidentDetail, duration: TimeSpan, comment: String?, actor: Actor,
                            now: Timestamp) throws(Problem) -> SilenceRequest {
        let id = incident.summary.head.id
        guard duration.nanoseconds > 0 else { throw .badDuration("the duration must be positive") }
        guard duration <= longest else {
            throw .badDuration("the longest silence is \(longest.humanReadable); got \(duration.humanReadable)")
        }
        let firing = incident.alerts.filter { $0.status == .firing }
        let alerts = firing.isEmpty ? incident.alerts : firing
        guard var common = alerts.first?.labels else { throw .noAlerts(id) }
        for alert in alerts.dropFirst() {
            common = common.filter { alert.labels[$0.key] == $0.value }
        }
        common = common.filter { !$0.value.isEmpty }
        guard !common.isEmpty else { throw .noCommonLabels(id) }
        let reference = IncidentReference.format(id)
        let text = comment.map { "\(reference): \($0)" } ?? "\(reference): silenced by \(actor.name) from Firehouse"
        return SilenceRequest(matchers: common, startsAt: now, endsAt: now + duration, createdBy: actor.name, comment: text)
    }
}
