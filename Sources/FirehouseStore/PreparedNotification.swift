import FirehouseCore

/// A notification plus the stored form of its alerts' labels and annotations, computed on the
/// request's own task so the single writer does not spend its serial time encoding JSON.
struct PreparedNotification: Sendable {
    let notification: AlertmanagerNotification
    let encoded: [EpisodeKey: EncodedAlert]

    struct EncodedAlert: Sendable {
        var labels: String
        var annotations: String
    }

    init(_ notification: AlertmanagerNotification) {
        self.notification = notification
        var encoded: [EpisodeKey: EncodedAlert] = [:]
        encoded.reserveCapacity(notification.alerts.count)
        for alert in notification.alerts {
            encoded[EpisodeKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)] =
                EncodedAlert(labels: JSONText.encode(alert.labels), annotations: JSONText.encode(alert.annotations))
        }
        self.encoded = encoded
    }

    /// The stored form of one of this notification's alerts; the last occurrence wins, as in correlation.
    func stored(_ alert: AlertmanagerNotification.Alert) -> EncodedAlert {
        encoded[EpisodeKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)]
            ?? EncodedAlert(labels: JSONText.encode(alert.labels), annotations: JSONText.encode(alert.annotations))
    }
}
