import FirehouseCore
import FirehouseService
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One integration as the outbox worker drives it: delivers an event (with as many requests as
/// the receiver needs) and, for chat kinds, a storm digest. Returns what the attempt did, or nil
/// when shutdown cut it off.
protocol Delivering: Sendable {
    func deliver(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget, via link: DeliveryLink) async
        -> DeliveryPolicy.Attempt?
    /// Nil when this kind takes no digest (its openings then go out one by one).
    func deliverDigest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget, via link: DeliveryLink) async
        -> DeliveryPolicy.Attempt??
}

/// What an integration may use while it delivers: the worker's bounded HTTP exchange and the
/// repository (where an incident's chat message lives).
struct DeliveryLink: Sendable {
    /// One request, bounded by the worker's timeout: the answer, a transport failure, or nil when
    /// shutdown cut it off.
    let exchange: @Sendable (OutboundRequest) async -> Exchange?
    let repository: any IncidentUseCases
    let logger: Logger

    enum Exchange: Sendable {
        case answered(OutboundResponse)
        case failed(String)
    }

    /// One request whose answer is read as a webhook's: its status (and `Retry-After`).
    func send(_ request: OutboundRequest) async -> DeliveryPolicy.Attempt? {
        switch await exchange(request) {
        case .answered(let response): .classify(status: response.status, retryAfter: response.headers["retry-after"], body: response.text)
        case .failed(let reason): .transient(reason)
        case nil: nil
        }
    }
}

/// One webhook integration (`notifications.targets[].kind`): turns a due delivery into the one
/// HTTP request its receiver takes. A new kind (Teams, Discord) is one more conformance and one
/// more case in `forKind`.
protocol Notifier: Delivering {
    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest
    /// The storm digest as one request; nil when this kind takes none.
    func digestRequest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest?
}

extension Notifier {
    func deliver(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget, via link: DeliveryLink) async
        -> DeliveryPolicy.Attempt? {
        await link.send(request(delivery, to: target))
    }

    func deliverDigest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget, via link: DeliveryLink) async
        -> DeliveryPolicy.Attempt?? {
        guard let request = digestRequest(digest, to: target) else { return .none }
        return .some(await link.send(request))
    }

    func digestRequest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest? { nil }
}

enum Notifiers {
    /// The notifier of a target kind; every link it writes comes from `links`. With `buttons`
    /// (a chat token to sign with) and an external URL, Mattermost messages get action buttons;
    /// with `slackButtons` (a Slack signing secret to verify clicks), Slack messages do.
    static func forKind(_ kind: FirehouseConfig.NotificationTarget.Kind, links: ExternalURL,
                        buttons: ChatActionSigner? = nil, slackButtons: Bool = false) -> any Notifier {
        switch kind {
        case .slack: SlackNotifier(text: NotificationText(links: links), buttons: slackButtons)
        case .mattermost: MattermostNotifier(text: NotificationText(links: links), buttons: links.isConfigured ? buttons : nil)
        case .discord: DiscordNotifier(text: NotificationText(links: links))
        case .teams: TeamsNotifier(text: NotificationText(links: links))
        case .webhook: WebhookNotifier(text: NotificationText(links: links))
        }
    }

    /// Headers every delivery carries.
    static func headers(_ delivery: PendingDelivery) -> [String: String] {
        ["Content-Type": "application/json", "X-Firehouse-Delivery": String(delivery.id)]
    }

    /// A JSON POST of `body` to the target's URL: what every chat webhook takes.
    static func post(_ body: some Encodable, to target: FirehouseConfig.NotificationTarget, headers: [String: String]) -> OutboundRequest {
        OutboundRequest(method: "POST", url: target.url, headers: headers, body: RequestJSON.encode(body))
    }

    /// Headers of a digest, which stands for several deliveries.
    static let digestHeaders = ["Content-Type": "application/json", "X-Firehouse-Delivery": "digest"]
}

/// Compact JSON with sorted keys and unescaped slashes, for request bodies.
enum RequestJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
