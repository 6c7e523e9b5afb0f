import FirehouseCore

/// Who this replica is, and how long the background work it claims stays its own: an outbox
/// target's queue (longer than one delivery attempt can take, so a slow receiver does not hand the
/// queue to another replica mid-send) and a round of escalation or retention.
public struct LeasePolicy: Sendable, Equatable {
    public var replica: String
    public var outbox: TimeSpan
    public var rounds: TimeSpan

    public init(replica: String = "firehouse", outbox: TimeSpan = .seconds(60), rounds: TimeSpan = .seconds(60)) {
        self.replica = replica
        self.outbox = outbox
        self.rounds = rounds
    }

    func claim(_ name: String, for span: TimeSpan, on store: any IncidentStore, now: Timestamp) async throws -> Bool {
        try await store.claimLease(name, owner: replica, until: now + span, now: now)
    }
}
