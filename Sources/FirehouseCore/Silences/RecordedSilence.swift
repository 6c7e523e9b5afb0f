/// An Alertmanager silence Firehouse created for an incident and has not expired.
public struct RecordedSilence: Sendable, Equatable {
    public var silenceID: String
    public var matchers: LabelSet
    public var endsAt: Timestamp
    public var createdBy: String

    public init(silenceID: String, matchers: LabelSet, endsAt: Timestamp, createdBy: String) {
        self.silenceID = silenceID
        self.matchers = matchers
        self.endsAt = endsAt
        self.createdBy = createdBy
    }
}
