import FirehouseCore

/// Mattermost incoming webhooks: `{"text": ...}`. Mattermost reads Slack's message format on its
/// incoming webhooks, so the text is the Slack rendering until Mattermost gets a renderer of its own.
struct MattermostNotifier: Notifier {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        OutboundRequest(method: "POST", url: target.url, headers: Notifiers.headers(delivery),
                        body: RequestJSON.encode(["text": text.render(delivery)]))
    }
}
