/// Durable storage of incidents; SQLite now, PostgreSQL later. SQL stays behind this protocol.
public protocol IncidentRepository: Sendable {
    /// Correlates and commits everything in the notification; returns only after a durable commit.
    func ingest(_ notification: AlertmanagerNotification) async throws -> [IngestResult]
    func incidents(_ query: IncidentQuery) async throws -> IncidentPage
    /// nil when no incident has this id.
    func incident(id: Int64) async throws -> IncidentDetail?
    /// nil when no incident has this id.
    func timeline(incidentID: Int64) async throws -> [TimelineEntry]?
    /// Throws unless the database is open, migrated and answering.
    func checkReady() async throws
}

/// Storage that cannot do its job right now; callers should retry later (HTTP 503).
public struct StorageUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "storage unavailable: \(reason)" }
}
