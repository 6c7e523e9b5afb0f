import FirehouseCore

/// Mattermost incoming webhooks: `{"text": ...}` in Mattermost's own Markdown (`**bold**`, Markdown
/// punctuation in alert text escaped, mentions broken), not Slack's mrkdwn, which it shows as italics.
/// With `buttons`, a still active incident's message carries buttons (integration actions) for the
/// moves it allows, which post their signed context to `/api/v1/chat/actions`.
struct MattermostNotifier: Notifier {
    let text: NotificationText
    var buttons: ChatActionSigner?

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        Notifiers.post(body(delivery), to: target, headers: Notifiers.headers(delivery))
    }

    func digestRequest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest? {
        Notifiers.post(Body(text: DigestText.render(digest, dialect: .mattermost)), to: target, headers: Notifiers.digestHeaders)
    }

    struct Body: Encodable, Equatable {
        var text: String
        var attachments: [Attachment]?
    }

    struct Attachment: Encodable, Equatable {
        var fallback: String
        var actions: [Action]
    }

    struct Action: Encodable, Equatable {
        var id: String
        var name: String
        var integration: Integration
    }

    struct Integration: Encodable, Equatable {
        var url: String
        var context: Context
    }

    struct Context: Encodable, Equatable {
        var incident: Int64
        var action: String
        var signature: String
    }

    func body(_ delivery: PendingDelivery) -> Body {
        let message = text.render(delivery, dialect: .mattermost)
        let head = delivery.incident.head
        guard let buttons, text.links.isConfigured, head.status.isActive else { return Body(text: message) }
        let url = text.links.base + "/api/v1/chat/actions"
        let actions = ChatActionSigner.buttons(for: head.status).map { button in
            Action(id: button.rawValue, name: button.label,
                   integration: Integration(url: url, context: Context(incident: head.id, action: button.rawValue,
                                                                      signature: buttons.sign(incident: head.id, button: button))))
        }
        guard !actions.isEmpty else { return Body(text: message) }
        return Body(text: message, attachments: [Attachment(fallback: "\(IncidentReference.format(head.id)): \(actions.map(\.name).joined(separator: ", "))",
                                                            actions: actions)])
    }
}
