
/// A notification plus what its write needs that does not depend on stored state: the stored
/// form of its alerts' labels and annotations, and the runbooks that can match them. Computed on
/// the request's own task, so the single writer does not spend its serial time on it.
public struct PreparedNotification: Sendable {
    public let notification: AlertmanagerNotification
    public let encoded: [EpisodeKey: EncodedAlert]
    /// The library narrowed to runbooks matching some alert of this notification: the correlator
    /// matches only new alerts, a subset, so its result is the same as with the whole library.
    public let runbooks: RunbookLibrary

    public struct EncodedAlert: Sendable {
        public var labels: String
        public var annotations: String

        public init(_ alert: AlertmanagerNotification.Alert) {
            labels = JSONText.encode(alert.labels)
            annotations = JSONText.encode(alert.annotations)
        }
    }

    public init(_ notification: AlertmanagerNotification, runbooks: RunbookLibrary) {
        self.notification = notification
        self.runbooks = runbooks.narrowed(to: notification.alerts.map(\.labels))
        var encoded: [EpisodeKey: EncodedAlert] = [:]
        encoded.reserveCapacity(notification.alerts.count)
        for alert in notification.alerts {
            encoded[EpisodeKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)] = EncodedAlert(alert)
        }
        self.encoded = encoded
    }

    /// The stored form of one of this notification's alerts; the last occurrence wins, as in correlation.
    public func stored(_ alert: AlertmanagerNotification.Alert) -> EncodedAlert {
        encoded[EpisodeKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)] ?? EncodedAlert(alert)
    }
}
