import FirehouseCore
import FirehouseService

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Slack app mode (a `kind: slack` target with a `channel`): each incident gets one message in the
/// channel, posted with `chat.postMessage` and redrawn with `chat.update` (by the `ts` stored per
/// incident and target) on every event, and the event itself goes to the message's thread. The
/// message is Block Kit: a header (ref, severity, status), the title, fields (commander, alerts,
/// opened, runbook, page) and buttons (Acknowledge, Mitigate, Resolve, Take commander, Silence 2h)
/// whose clicks Slack posts to `/api/v1/chat/actions`.
///
/// A retried delivery redraws the message again (harmless) and posts its thread reply again only
/// when the first reply's answer was lost. A message deleted in Slack is posted anew.
struct SlackAppNotifier: Delivering {
    let text: NotificationText
    /// The Web API base, e.g. `https://slack.com/api`.
    let api: String
    let token: String
    /// The role the "Take commander" button assigns (the chat role catalog's lead).
    let lead: String
    let runbooks: RunbookShelf
    /// Clicks can be verified (a signing secret is set): the message carries buttons.
    var buttons = true

    /// Action ids of this mode's buttons start with this, so a click is known to come from a
    /// message the outbox redraws itself.
    static let actionPrefix = "firehouse_app_"

    func deliver(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget, via link: DeliveryLink) async
        -> DeliveryPolicy.Attempt? {
        let head = delivery.incident.head
        let card: Card
        var thread: ChatThread?
        do {
            thread = try await link.repository.chatThread(incidentID: head.id, target: target.name)
            let commander = try await link.repository.roleHolders(lead, incidentIDs: [head.id])[head.id]
            let runbook = runbooks.library.primary(of: try await link.repository.runbookIDs(incidentID: head.id))
            card = Card(summary: delivery.incident, commander: commander, runbook: runbook.map { ($0.id, $0.title) })
        } catch {
            return .transient("could not read the incident: \(error)")
        }
        let blocks = Self.blocks(card, links: text.links, buttons: buttons)
        let fallback = Self.fallback(delivery.incident)
        if let existing = thread {
            switch await call("chat.update", Update(channel: existing.channel, ts: existing.ts, text: fallback, blocks: blocks), link) {
            case .ok: break
            case .slackError(let code) where Self.messageGone.contains(code):
                link.logger.info("the incident's Slack message is gone; posting a new one",
                                 metadata: ["incident": "\(head.id)", "target": "\(target.name)", "error": "\(code)"])
                thread = nil
            case .slackError(let code): return Self.attempt(code, method: "chat.update")
            case .attempt(let attempt): return attempt
            case nil: return nil
            }
        }
        let posted: ChatThread
        if let thread {
            posted = thread
        } else {
            let answer: Answer
            switch await call("chat.postMessage", Post(channel: target.channel, text: fallback, blocks: blocks), link) {
            case .ok(let ok): answer = ok
            case .slackError(let code): return Self.attempt(code, method: "chat.postMessage")
            case .attempt(let attempt): return attempt
            case nil: return nil
            }
            guard let ts = answer.ts else { return .rejected("Slack's chat.postMessage answered without a ts") }
            posted = ChatThread(channel: answer.channel ?? target.channel, ts: ts)
            do {
                try await link.repository.saveChatThread(posted, incidentID: head.id, target: target.name)
            } catch {
                // The message is out but unrecorded: retrying posts it again (once more, not lost).
                return .transient("posted, but could not record the message's ts: \(error)")
            }
            // A new message announces its opening itself; any other event also goes to the thread.
            if delivery.event == .opened { return .delivered }
        }
        let reply = Post(channel: posted.channel, text: Self.threadLine(text.message(delivery)), thread_ts: posted.ts)
        switch await call("chat.postMessage", reply, link) {
        case .ok: return .delivered
        case .slackError(let code): return Self.attempt(code, method: "chat.postMessage")
        case .attempt(let attempt): return attempt
        case nil: return nil
        }
    }

    func deliverDigest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget, via link: DeliveryLink) async
        -> DeliveryPolicy.Attempt?? {
        let body = Post(channel: target.channel, text: DigestText.render(digest, dialect: .slack))
        switch await call("chat.postMessage", body, link) {
        case .ok: return .some(.delivered)
        case .slackError(let code): return .some(Self.attempt(code, method: "chat.postMessage"))
        case .attempt(let attempt): return .some(attempt)
        case nil: return .some(nil)
        }
    }

    // MARK: - The Web API

    /// `chat.postMessage`: a new message, or with `thread_ts` a reply in its thread.
    struct Post: Encodable, Equatable {
        var channel: String
        var text: String
        var blocks: [Block]?
        var thread_ts: String?
        var unfurl_links = false
        var unfurl_media = false
    }

    /// `chat.update`: the message redrawn.
    struct Update: Encodable, Equatable {
        var channel: String
        var ts: String
        var text: String
        var blocks: [Block]
    }

    /// What the Web API answers (HTTP 200 either way): `{"ok": true, "channel", "ts"}` or
    /// `{"ok": false, "error": "channel_not_found"}`.
    struct Answer: Decodable {
        var ok: Bool
        var error: String?
        var channel: String?
        var ts: String?
    }

    enum Outcome {
        case ok(Answer)
        /// Slack refused (`ok: false`) with this error code.
        case slackError(String)
        /// No answer from the Web API itself: HTTP trouble, rate limits (429 with `Retry-After`).
        case attempt(DeliveryPolicy.Attempt)
    }

    /// Errors that mean the stored message no longer exists to update.
    static let messageGone: Set<String> = ["message_not_found", "cant_update_message", "edit_window_closed"]
    /// Errors worth retrying; every other one will not change by retrying (`channel_not_found`,
    /// `not_in_channel`, `invalid_auth`, `invalid_blocks`, ...).
    static let transientErrors: Set<String> = ["internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"]

    static func attempt(_ code: String, method: String) -> DeliveryPolicy.Attempt {
        let reason = "Slack \(method): \(code)"
        return transientErrors.contains(code) ? .transient(reason) : .rejected(reason)
    }

    private func call(_ method: String, _ body: some Encodable, _ link: DeliveryLink) async -> Outcome? {
        let request = OutboundRequest(method: "POST", url: "\(api)/\(method)",
                                      headers: ["Content-Type": "application/json; charset=utf-8", "Authorization": "Bearer \(token)"],
                                      body: RequestJSON.encode(body))
        switch await link.exchange(request) {
        case nil: return nil
        case .failed(let reason): return .attempt(.transient(reason))
        case .answered(let response): return Self.read(response, method: method)
        }
    }

    static func read(_ response: OutboundResponse, method: String) -> Outcome {
        guard response.status == 200 else {
            return .attempt(.classify(status: response.status, retryAfter: response.headers["retry-after"], body: response.text))
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)) else {
            return .attempt(.transient("Slack \(method) answered something other than its JSON"))
        }
        return answer.ok ? .ok(answer) : .slackError(answer.error ?? "unknown_error")
    }

    // MARK: - The message

    /// What the message shows besides the incident's own columns.
    struct Card {
        var summary: IncidentSummary
        var commander: String?
        var runbook: (id: String, title: String)?
    }

    /// A Block Kit block: header, section (text or fields) or actions.
    struct Block: Encodable, Equatable {
        var type: String
        var block_id: String?
        var text: Text?
        var fields: [Text]?
        var elements: [Element]?
    }

    struct Text: Encodable, Equatable {
        var type: String
        var text: String
        var emoji: Bool?

        static func plain(_ text: String) -> Text { Text(type: "plain_text", text: text, emoji: true) }
        static func mrkdwn(_ text: String) -> Text { Text(type: "mrkdwn", text: text) }
    }

    /// A button of an actions block.
    struct Element: Encodable, Equatable {
        var type: String
        var text: Text?
        var action_id: String?
        var value: String?
        var style: String?
    }

    /// Notifications and screen readers use `text`; the blocks are what people see.
    static func fallback(_ summary: IncidentSummary) -> String {
        let head = summary.head
        return "\(head.drill ? "[DRILL] " : "")\(IncidentReference.format(head.id)) [\(head.severity.name), \(head.status.rawValue)] \(ChatDialect.slack.text(head.title, limit: 150))"
    }

    /// Slack's limits: header text 150 characters, a field 2,000, 10 fields, 25 elements in actions.
    /// Without `buttons` (no signing secret to verify clicks with) there are none.
    static func blocks(_ card: Card, links: ExternalURL, buttons: Bool = true) -> [Block] {
        let d = ChatDialect.slack
        let head = card.summary.head
        let ref = IncidentReference.format(head.id)
        let page = links.incidentPage(head.id)
        let symbol = head.status.isActive ? (head.severity >= .sev2 ? "🔴" : "🟠") : "✅"
        var blocks = [
            Block(type: "header", text: .plain(String("\(symbol) \(head.drill ? "DRILL · " : "")\(ref) · \(head.severity.name) · \(head.status.rawValue)".prefix(150)))),
            // Plain text: nothing in an alert's title formats, links or pings.
            Block(type: "section", text: .plain(String(head.title.prefix(300)))),
        ]
        let runbook: String = card.runbook.map { id, title in
            links.runbookPage(id).map { d.linked(d.text(title, limit: 100), to: $0) } ?? d.text(title, limit: 100)
        } ?? "_none_"
        var fields = [
            Text.mrkdwn("*Commander*\n" + (card.commander.map { d.text($0, limit: 80) } ?? "_nobody yet_")),
            Text.mrkdwn("*Alerts*\n\(card.summary.firingAlertCount) firing / \(card.summary.alertCount)"),
            Text.mrkdwn("*Opened*\n<!date^\(head.openedAt.nanoseconds / 1_000_000_000)^{date_short_pretty} {time}|\(head.openedAt.rfc3339)>"),
            Text.mrkdwn("*Runbook*\n" + runbook),
        ]
        if let page { fields.append(.mrkdwn("*Incident*\n" + d.linked(ref, to: page))) }
        blocks.append(Block(type: "section", fields: fields))
        if let postmortem = head.status == .closed ? links.postmortemPage(head.id) : nil {
            blocks.append(Block(type: "section", text: .mrkdwn("Post-mortem draft: " + d.linked("read it", to: postmortem))))
        }
        guard buttons else { return blocks }
        let buttons = ChatActionSigner.fullButtons(for: head.status).map { button in
            Element(type: "button", text: .plain(button.label), action_id: actionPrefix + button.rawValue, value: "\(head.id):\(button.rawValue)",
                    style: button == .acknowledge || button == .resolve ? "primary" : nil)
        }
        if !buttons.isEmpty { blocks.append(Block(type: "actions", block_id: "firehouse_\(head.id)", elements: buttons)) }
        return blocks
    }

    /// The event as its thread reply: what happened, by whom, and the detail.
    static func threadLine(_ m: NotificationMessage) -> String {
        let d = ChatDialect.slack
        let by = m.actor.map { " by \(d.text($0, limit: 80))" } ?? ""
        var line = "\(m.emoji) \(d.bold(m.verb))\(by): \(d.text(m.detail, limit: 300))"
        if let postmortem = m.postmortemURL { line += "\nPost-mortem draft: \(postmortem)" }
        return line
    }
}
