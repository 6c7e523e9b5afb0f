import FirehouseCore

/// The domain service: owns every use case's transaction script (load, decide with the pure core,
/// write through the store's primitives, queue notifications) over any `IncidentStore`.
public final class IncidentService: IncidentUseCases {
    let store: any IncidentStore
    let correlator: Correlator
    let clock: any WallClock
    let runbooks: RunbookShelf
    let drafter: PostmortemDrafter?
    let routes: NotificationRoutes
    let observer: any TimelineObserver
    let leases: LeasePolicy
    let slo: SLOPolicy
    let heartbeat: Heartbeat?

    public init(store: any IncidentStore, correlator: Correlator, clock: any WallClock,
                runbooks: RunbookShelf = RunbookShelf(), drafter: PostmortemDrafter? = nil,
                routes: NotificationRoutes = NotificationRoutes(), observer: any TimelineObserver = NoTimelineObserver(),
                leases: LeasePolicy = LeasePolicy(), slo: SLOPolicy = SLOPolicy(), heartbeat: Heartbeat? = nil) {
        self.slo = slo
        self.heartbeat = heartbeat
        self.store = store
        self.correlator = correlator
        self.clock = clock
        self.runbooks = runbooks
        self.drafter = drafter
        self.routes = routes
        self.observer = observer
        self.leases = leases
    }

    /// A write transaction whose timeline entries go through one recorder (so none can skip its
    /// notifications) and reach the observer once, after the commit.
    func recordingWrite<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction, TimelineRecorder) throws -> T) async throws -> T {
        let routes = self.routes
        let (result, recorded) = try await store.write { tx in
            let recorder = TimelineRecorder(tx: tx, routes: routes)
            return (try body(tx, recorder), recorder.recorded)
        }
        if !recorded.isEmpty { observer.committed(recorded) }
        return result
    }

    // MARK: - Reads

    public func incidents(_ query: IncidentQuery) async throws -> IncidentPage {
        try await store.read { try $0.page(query) }
    }

    public func incident(id: Int64) async throws -> IncidentDetail? {
        try await store.read { try $0.detail(id: id) }
    }

    public func timeline(incidentID: Int64) async throws -> [TimelineEntry]? {
        try await store.read { reads in
            guard try reads.head(id: incidentID) != nil else { return nil }
            return try reads.timeline(incidentID: incidentID)
        }
    }

    public func postmortem(incidentID: Int64, version: Int?) async throws -> StoredPostmortem? {
        try await store.read { try $0.postmortem(incidentID: incidentID, version: version) }
    }

    public func stats(_ query: StatsQuery) async throws -> IncidentStats {
        IncidentStats.compute(try await store.read { try $0.statsRecords(query) }.filter { query.drills.admits($0.drill) },
                              window: Interval(start: query.since, end: min(query.until, clock.now())))
    }

    public func roleHolders(_ role: String, incidentIDs: [Int64]) async throws -> [Int64: String] {
        guard !incidentIDs.isEmpty else { return [:] }
        return try await store.read { tx in
            var holders: [Int64: String] = [:]
            for id in incidentIDs {
                if let holder = try tx.roles(incidentID: id).last(where: { $0.isCurrent && $0.role == role }) { holders[id] = holder.user.name }
            }
            return holders
        }
    }

    public func runbookIDs(incidentID: Int64) async throws -> [String] {
        try await store.read { try $0.runbookIDs(incidentID: incidentID) }
    }

    public func incidentCountsByStatus() async throws -> [IncidentStatus: Int] {
        try await store.read { try $0.incidentCountsByStatus() }
    }

    public func openIncidentCounts() async throws -> [OpenIncidentCount] {
        try await store.read { try $0.openIncidentCounts() }
    }

    public func checkReady() async throws { try await store.checkReady() }
}
