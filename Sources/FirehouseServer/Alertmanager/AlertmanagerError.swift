/// What can go wrong with Alertmanager's API: the client's own vocabulary, mapped to HTTP in
/// `ErrorMiddleware` (502; 503 when no Alertmanager is configured) and told as-is in chat.
enum AlertmanagerError: Error, Equatable, CustomStringConvertible {
    case notConfigured
    case unreachable(url: String, reason: String)
    /// It answered outside 2xx; `body` is the start of its answer.
    case answered(status: Int, body: String)
    case noSilenceID(body: String)

    var description: String {
        switch self {
        case .notConfigured: "silences need alertmanager.url in the Firehouse config"
        case .unreachable(let url, let reason): "alertmanager at \(url) is unreachable: \(reason)"
        case .answered(let status, let body): "alertmanager answered HTTP \(status): \(body)"
        case .noSilenceID(let body): "alertmanager answered without a silenceID: \(body)"
        }
    }
}

/// A silence Alertmanager created that Firehouse then failed to record: said so (503), so nobody
/// makes a second one blindly.
struct SilenceNotRecorded: Error, CustomStringConvertible {
    var silenceID: String
    var reason: String
    var description: String { "silence \(silenceID) was created in Alertmanager but could not be recorded: \(reason)" }
}
