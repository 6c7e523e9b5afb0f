/// Whether an alert is firing or resolved, as Alertmanager says.
public enum AlertStatus: String, Sendable, Codable, Equatable {
    case firing
    case resolved
}
