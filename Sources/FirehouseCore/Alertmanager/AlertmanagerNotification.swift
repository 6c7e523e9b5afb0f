/// One webhook body from Alertmanager (payload version "4").
public struct AlertmanagerNotification: Sendable, Equatable {
    public var receiver: String
    public var status: AlertStatus
    public var alerts: [Alert]
    public var groupLabels: LabelSet
    public var commonLabels: LabelSet
    public var commonAnnotations: LabelSet
    public var externalURL: String
    public var version: String
    public var groupKey: String
    public var truncatedAlerts: Int

    public init(
        receiver: String, status: AlertStatus, alerts: [Alert], groupLabels: LabelSet = [:],
        commonLabels: LabelSet = [:], commonAnnotations: LabelSet = [:], externalURL: String = "",
        version: String = "4", groupKey: String = "", truncatedAlerts: Int = 0
    ) {
        self.receiver = receiver
        self.status = status
        self.alerts = alerts
        self.groupLabels = groupLabels
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.externalURL = externalURL
        self.version = version
        self.groupKey = groupKey
        self.truncatedAlerts = truncatedAlerts
    }

    /// One alert of a notification.
    public struct Alert: Sendable, Equatable {
        public var status: AlertStatus
        public var labels: LabelSet
        public var annotations: LabelSet
        public var startsAt: Timestamp
        /// nil while firing: Alertmanager sends the zero time `0001-01-01T00:00:00Z`.
        public var endsAt: Timestamp?
        public var generatorURL: String
        public var fingerprint: String

        public init(
            status: AlertStatus, labels: LabelSet, annotations: LabelSet = [:], startsAt: Timestamp,
            endsAt: Timestamp? = nil, generatorURL: String = "", fingerprint: String? = nil
        ) {
            self.status = status
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.generatorURL = generatorURL
            self.fingerprint = fingerprint ?? labels.alertFingerprint
        }
    }
}
