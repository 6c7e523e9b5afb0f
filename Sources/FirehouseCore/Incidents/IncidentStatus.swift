/// Where an incident is in its life.
public enum IncidentStatus: String, Sendable, Codable, CaseIterable, Equatable {
    case triggered, acknowledged, investigating, mitigated, resolved, closed

    /// Still needs people: alerts join it rather than opening a new incident.
    public var isActive: Bool { self != .resolved && self != .closed }
}

/// A status filter as accepted by the API: a status, or one of the groups `open` and `all`.
public enum IncidentStatusFilter: Sendable, Equatable {
    case open
    case all
    case only(IncidentStatus)

    public init?(_ text: String) {
        switch text.lowercased() {
        case "open", "active": self = .open
        case "all": self = .all
        default:
            guard let status = IncidentStatus(rawValue: text.lowercased()) else { return nil }
            self = .only(status)
        }
    }

    public var statuses: [IncidentStatus] {
        switch self {
        case .open: IncidentStatus.allCases.filter(\.isActive)
        case .all: IncidentStatus.allCases
        case .only(let status): [status]
        }
    }
}
