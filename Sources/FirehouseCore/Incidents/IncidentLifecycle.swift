/// The incident state machine: which moves are legal from which status, and what each changes.
///
/// Humans drive most moves (chat, API); the correlator drives `reopen` (flapping) and `resolve`
/// (all alerts resolved). Pure: the caller passes the time and persists the outcome.
public enum IncidentLifecycle {
    /// Something that asks an incident to move.
    public enum Move: String, Sendable, CaseIterable {
        case acknowledge, investigate, mitigate, resolve, close, reopen
    }

    /// The timestamps the lifecycle owns on an incident.
    public struct Milestones: Sendable, Equatable {
        public var status: IncidentStatus
        public var acknowledgedAt: Timestamp?
        public var mitigatedAt: Timestamp?
        public var resolvedAt: Timestamp?
        public var closedAt: Timestamp?

        public init(status: IncidentStatus, acknowledgedAt: Timestamp? = nil, mitigatedAt: Timestamp? = nil,
                    resolvedAt: Timestamp? = nil, closedAt: Timestamp? = nil) {
            self.status = status
            self.acknowledgedAt = acknowledgedAt
            self.mitigatedAt = mitigatedAt
            self.resolvedAt = resolvedAt
            self.closedAt = closedAt
        }
    }

    /// What a move did.
    public enum Outcome: Sendable, Equatable {
        /// The incident moved; persist `Milestones` and record the transition.
        case moved(from: IncidentStatus, to: Milestones)
        /// Already there (e.g. acknowledging an acknowledged incident): nothing changes.
        case unchanged(IncidentStatus)
        /// Not allowed from this status; nothing changes.
        case illegal(from: IncidentStatus, move: Move, allowed: [Move])
    }

    /// Target status of each legal move, by current status. The one table that defines the lifecycle.
    public static let transitions: [IncidentStatus: [Move: IncidentStatus]] = [
        .triggered: [.acknowledge: .acknowledged, .investigate: .investigating, .mitigate: .mitigated, .resolve: .resolved],
        .acknowledged: [.investigate: .investigating, .mitigate: .mitigated, .resolve: .resolved],
        .investigating: [.mitigate: .mitigated, .resolve: .resolved],
        .mitigated: [.investigate: .investigating, .resolve: .resolved],
        .resolved: [.close: .closed, .reopen: .triggered],
        .closed: [.reopen: .triggered],
    ]

    /// Moves that leave the incident where it is, answered as "already so" rather than as illegal.
    static func isNoOp(_ move: Move, at status: IncidentStatus) -> Bool {
        switch (move, status) {
        case (.acknowledge, .acknowledged), (.acknowledge, .investigating), (.acknowledge, .mitigated),
             (.investigate, .investigating), (.mitigate, .mitigated), (.resolve, .resolved), (.close, .closed):
            true
        default:
            false
        }
    }

    public static func allowedMoves(from status: IncidentStatus) -> [Move] {
        Move.allCases.filter { transitions[status]?[$0] != nil }
    }

    public static func apply(_ move: Move, to current: Milestones, at now: Timestamp) -> Outcome {
        guard let target = transitions[current.status]?[move] else {
            if isNoOp(move, at: current.status) { return .unchanged(current.status) }
            return .illegal(from: current.status, move: move, allowed: allowedMoves(from: current.status))
        }
        var next = current
        next.status = target
        switch target {
        case .triggered:
            next.resolvedAt = nil
            next.closedAt = nil
        case .acknowledged, .investigating:
            next.acknowledgedAt = next.acknowledgedAt ?? now
        case .mitigated:
            next.acknowledgedAt = next.acknowledgedAt ?? now
            next.mitigatedAt = now
        case .resolved:
            next.resolvedAt = now
        case .closed:
            next.closedAt = now
        }
        return .moved(from: current.status, to: next)
    }
}
