/// A notification that was rejected for good (a constraint, a bug), kept with its raw body and
/// the error so nothing is dropped silently; one row however often Alertmanager re-sends it.
/// Encodes as the API shows it (`GET /api/v1/dead-letters`).
public struct DeadLetter: Sendable, Equatable, Encodable {
    public var id: Int64
    public var receiver: String
    public var groupKey: String
    public var error: String
    public var firstSeenAt: Timestamp
    public var lastSeenAt: Timestamp
    /// How many times this exact body arrived.
    public var attempts: Int
    /// The request body as received.
    public var body: String

    public init(id: Int64, receiver: String, groupKey: String, error: String, firstSeenAt: Timestamp,
                lastSeenAt: Timestamp, attempts: Int, body: String) {
        self.id = id
        self.receiver = receiver
        self.groupKey = groupKey
        self.error = error
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.attempts = attempts
        self.body = body
    }
}

/// What the webhook hands the store to keep: `digest` (SHA-256 of `body`) identifies a body.
public struct DeadLetterDraft: Sendable, Equatable {
    public var digest: [UInt8]
    public var receiver: String
    public var groupKey: String
    public var error: String
    public var body: [UInt8]

    public init(digest: [UInt8], receiver: String, groupKey: String, error: String, body: [UInt8]) {
        self.digest = digest
        self.receiver = receiver
        self.groupKey = groupKey
        self.error = error
        self.body = body
    }
}
