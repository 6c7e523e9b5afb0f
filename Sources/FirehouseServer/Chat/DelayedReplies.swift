import FirehouseCore
import Logging

/// Posts a command's answer to the `response_url` Slack and Mattermost send with every slash
/// command, for commands that did not finish before the platform's 3-second deadline. Retried a
/// bounded number of times (connection errors and 5xx, with a doubling pause), then logged.
struct DelayedReplies: Sendable {
    let http: any OutboundHTTP
    let logger: Logger
    var attempts = 3
    var firstPause: Duration = .seconds(1)
    /// How a pause is waited; tests pass one that returns at once.
    var pause: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    /// Told after every delivery, delivered or given up (tests wait on it instead of sleeping).
    var finished: (@Sendable (Bool) -> Void)?

    /// Whether `url` may receive a delayed answer: an http(s) URL, as both platforms send.
    static func accepts(_ url: String) -> Bool {
        let lower = url.lowercased()
        return (lower.hasPrefix("https://") || lower.hasPrefix("http://")) && !url.contains(where: { $0.isWhitespace })
    }

    @discardableResult
    func post(_ reply: some Encodable & Sendable, to url: String) async -> Bool {
        let request = OutboundRequest(method: "POST", url: url, headers: ["Content-Type": "application/json"],
                                      body: RequestJSON.encode(reply))
        var wait = firstPause
        for attempt in 1...max(1, attempts) {
            do {
                let response = try await http.send(request, timeout: .seconds(10))
                if (200..<300).contains(response.status) {
                    finished?(true)
                    return true
                }
                // A 4xx (an expired or used-up response_url) will not get better.
                if response.status < 500 {
                    logger.warning("delayed chat reply refused", metadata: ["status": "\(response.status)", "attempt": "\(attempt)"])
                    break
                }
            } catch {
                logger.warning("delayed chat reply failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
            if attempt < attempts {
                await pause(wait)
                wait *= 2
            }
        }
        logger.error("delayed chat reply given up", metadata: ["attempts": "\(attempts)"])
        finished?(false)
        return false
    }
}
