import FirehouseCore

/// Mattermost incoming webhooks: `{"text": ...}` in Mattermost's own Markdown (`**bold**`, Markdown
/// punctuation in alert text escaped, mentions broken), not Slack's mrkdwn, which it shows as italics.
struct MattermostNotifier: Notifier {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        OutboundRequest(method: "POST", url: target.url, headers: Notifiers.headers(delivery),
                        body: RequestJSON.encode(["text": text.render(delivery, dialect: .mattermost)]))
    }
}
