import FirehouseCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One integration (`notifications.targets[].kind`): turns a due delivery into the HTTP request
/// its receiver takes. A new kind (Teams, Discord) is one more conformance and one more case in
/// `forKind`.
protocol Notifier: Sendable {
    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest
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
}

/// Compact JSON with sorted keys and unescaped slashes, for request bodies.
enum RequestJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
