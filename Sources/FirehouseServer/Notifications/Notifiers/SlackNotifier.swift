import FirehouseCore

/// Slack (and Mattermost) incoming webhooks: `{"text": ...}` in Slack's mrkdwn (bold with `*`, bare URLs link).
struct SlackNotifier: Notifier {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        OutboundRequest(method: "POST", url: target.url, headers: Notifiers.headers(delivery),
                        body: RequestJSON.encode(["text": text.render(delivery)]))
    }
}
