import FirehouseCore

/// Slack incoming webhooks: `{"text": ...}` in Slack's mrkdwn (bold with `*`, bare URLs link). With
/// `buttons` (the app has a signing secret, so its interactivity requests can be verified), a still
/// active incident's message also carries Block Kit: the same text and a button per move it allows,
/// whose clicks Slack posts to `/api/v1/chat/actions`.
struct SlackNotifier: Notifier {
    let text: NotificationText
    var buttons = false

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        Notifiers.post(body(delivery), to: target, headers: Notifiers.headers(delivery))
    }

    func digestRequest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest? {
        Notifiers.post(Body(text: DigestText.render(digest, dialect: .slack)), to: target, headers: Notifiers.digestHeaders)
    }

    struct Body: Encodable, Equatable {
        var text: String
        var blocks: [Block]?
    }

    /// A `section` with mrkdwn text or an `actions` block of buttons.
    struct Block: Encodable, Equatable {
        var type: String
        var text: Text?
        var elements: [Button]?
    }

    struct Text: Encodable, Equatable {
        var type: String
        var text: String
    }

    struct Button: Encodable, Equatable {
        var type = "button"
        var text: Text
        var action_id: String
        var value: String
    }

    func body(_ delivery: PendingDelivery) -> Body {
        let message = text.render(delivery)
        let head = delivery.incident.head
        let choices = head.status.isActive ? ChatActionSigner.buttons(for: head.status) : []
        guard buttons, !choices.isEmpty else { return Body(text: message) }
        let elements = choices.map { button in
            Button(text: Text(type: "plain_text", text: button.label), action_id: "firehouse_\(button.rawValue)",
                   value: "\(head.id):\(button.rawValue)")
        }
        // Slack's section text holds up to 3,000 characters; the message is cut well below that.
        return Body(text: message, blocks: [Block(type: "section", text: Text(type: "mrkdwn", text: message)),
                                             Block(type: "actions", elements: elements)])
    }
}
