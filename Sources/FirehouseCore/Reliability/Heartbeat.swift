/// The heartbeat on the alerting pipeline (`heartbeat.alertname`, `heartbeat.timeout`): an alert
/// that always fires (Prometheus' `Watchdog`) proves every hop from Prometheus through Alertmanager
/// to Firehouse works. Its notifications never open incidents; when none arrived for `timeout`,
/// Firehouse opens a SEV1 incident itself and resolves it when the heartbeat returns. Pure.
public struct Heartbeat: Sendable, Equatable {
    public var alertname: String
    public var timeout: TimeSpan

    public init(alertname: String, timeout: TimeSpan) {
        self.alertname = alertname
        self.timeout = timeout
    }

    public enum Decision: Sendable, Equatable {
        /// Nothing to do.
        case steady
        /// Silent for this long: open the incident.
        case open(silentFor: TimeSpan)
        /// The heartbeat is back: resolve this incident.
        case resolve(Int64)
    }

    /// The correlation key of the pipeline-silent incident: no alert can have it.
    public var correlationKey: String { "firehouse heartbeat \(alertname)" }

    public var title: String { "Alerting pipeline silent: no \(alertname) heartbeat for \(timeout.humanReadable)" }

    public func isHeartbeat(_ alert: AlertmanagerNotification.Alert) -> Bool { alert.labels["alertname"] == alertname }

    /// `lastSeen`: the last heartbeat (or, before the first one, when watching began);
    /// `openIncident`: the pipeline-silent incident still active, if any.
    public func decide(lastSeen: Timestamp, now: Timestamp, openIncident: Int64?) -> Decision {
        let silent = now - lastSeen
        if silent > timeout { return openIncident == nil ? .open(silentFor: silent) : .steady }
        return openIncident.map { .resolve($0) } ?? .steady
    }
}
