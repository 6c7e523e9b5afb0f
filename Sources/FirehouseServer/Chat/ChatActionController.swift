import FirehouseCore
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /api/v1/chat/actions`: a click on a notification's button.
/// - Mattermost (an integration action, JSON): the signed context says which incident and move.
///   The answer updates the post (its buttons go, the result stays) or tells a refusal to the
///   clicker only.
/// - Slack (`block_actions`, a `payload=` form): verified with the signing secret like commands;
///   acknowledged at once, the message then replaced (or a refusal sent to the clicker only)
///   through the payload's `response_url`.
/// Either way the clicking user is the actor.
struct ChatActionController: Sendable {
    let service: ChatService
    let signer: ChatActionSigner?
    let auth: ChatAuth
    let replies: DelayedReplies
    let metrics: FirehouseMetrics
    let maxBodyBytes: Int
    /// Slack wants the click answered within 3 seconds: an action not done by then (a silence
    /// waiting on Alertmanager) is acknowledged and its outcome told through `response_url`.
    var replyDeadline: Duration = .milliseconds(2_500)

    func addRoutes(to routes: Routes) {
        routes.post("/api/v1/chat/actions", .chatAction, use: receive)
    }

    struct Click: Decodable {
        var user_id: String?
        var user_name: String?
        var team_id: String?
        var context: Context?

        struct Context: Decodable {
            var incident: Int64?
            var action: String?
            var signature: String?
        }
    }

    struct Answer: Encodable, Equatable {
        var update: Update?
        var ephemeral_text: String?

        struct Update: Encodable, Equatable {
            var message: String
            var props: Props
        }

        /// Empty attachments: the buttons are gone once one was used.
        struct Props: Encodable, Equatable {
            var attachments: [String] = []
        }
    }

    @Sendable func receive(_ request: Request, context: FirehouseContext) async throws -> Response {
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        if (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded") {
            return try await slack(request, body: body, context: context)
        }
        guard let click = try? JSONDecoder().decode(Click.self, from: Data(body.readableBytesView)) else {
            throw APIError.badRequest(#"body must be a JSON object such as {"user_id": "...", "context": {"incident": 1, "action": "acknowledge", "signature": "..."}}"#)
        }
        guard let signer, let incident = click.context?.incident, let name = click.context?.action,
              let button = ChatActionSigner.Button(rawValue: name), let signature = click.context?.signature,
              signer.verify(incident: incident, button: button, signature: signature) else {
            metrics.authDenied(route: "/api/v1/chat/actions", reason: "credentials")
            context.logger.warning("access denied", metadata: ["route": "/api/v1/chat/actions", "reason": "unsigned or forged action"])
            throw APIError(.unauthorized, "not an action Firehouse signed")
        }
        guard let userID = click.user_id.flatMap({ $0.isEmpty ? nil : $0 }) else {
            return JSONResponse.make(Answer(ephemeral_text: ChatService.anonymous))
        }
        let actor = Actor(id: click.team_id.flatMap { $0.isEmpty ? nil : "\($0):\(userID)" } ?? userID,
                          name: click.user_name.flatMap { $0.isEmpty ? nil : $0 } ?? userID)
        let clicker = ChatUser(id: userID, name: actor.name)
        let reply = try await service.run(button.command(incident: incident, clicker: clicker, lead: service.parser.roles.lead), actor: actor)
        context.logger.info("chat action", metadata: ["actor": "\(actor.id)", "incident": "\(incident)", "action": "\(button.rawValue)"])
        guard reply.response_type == "in_channel" else { return JSONResponse.make(Answer(ephemeral_text: reply.text)) }
        return JSONResponse.make(Answer(update: .init(message: reply.text, props: .init())))
    }

    // MARK: - Slack

    struct SlackClick: Decodable {
        var type: String
        var user: User?
        var team: Team?
        var actions: [Action]?
        var response_url: String?

        struct User: Decodable {
            var id: String
            var username: String?
            var name: String?
            var team_id: String?
        }

        struct Team: Decodable {
            var id: String
        }

        struct Action: Decodable {
            var action_id: String?
            var value: String?
        }
    }

    /// What goes to a Slack `response_url` after a click: the message replaced, or a note to the clicker.
    struct SlackUpdate: Encodable, Equatable {
        var replace_original: Bool
        var response_type: String?
        var text: String
    }

    func slack(_ request: Request, body: ByteBuffer, context: FirehouseContext) async throws -> Response {
        guard case .slack(let verifier) = auth else {
            metrics.authDenied(route: "/api/v1/chat/actions", reason: "credentials")
            throw APIError(.unauthorized, "Slack actions need chat.slack_signing_secret")
        }
        do {
            try await verifier.verify(headers: request.headers, body: body)
        } catch {
            metrics.authDenied(route: "/api/v1/chat/actions", reason: "credentials")
            context.logger.warning("access denied", metadata: ["route": "/api/v1/chat/actions", "reason": "\(error)"])
            throw error
        }
        let fields = FormFields.parse(String(decoding: body.readableBytesView, as: UTF8.self))
        guard let payload = fields["payload"], let click = try? JSONDecoder().decode(SlackClick.self, from: Data(payload.utf8)) else {
            throw APIError.badRequest("body must be a form with payload=<Slack interaction JSON>")
        }
        // Other interactions (a view submission, a shortcut) are not Firehouse's: acknowledged, nothing done.
        guard click.type == "block_actions", let action = click.actions?.first, let value = action.value,
              let (incident, button) = Self.parse(value) else {
            return JSONResponse.make([String: String]())
        }
        guard let user = click.user else { throw APIError.badRequest("payload: user is required") }
        let team = user.team_id ?? click.team?.id
        let actor = Actor(id: team.map { "\($0):\(user.id)" } ?? user.id, name: user.username ?? user.name ?? user.id)
        let clicker = ChatUser(id: user.id, name: actor.name)
        let service = self.service
        let command = button.command(incident: incident, clicker: clicker, lead: service.parser.roles.lead)
        let work = Task { try await service.run(command, actor: actor) }
        let url = click.response_url.flatMap { DelayedReplies.accepts($0) ? $0 : nil }
        // A message Firehouse updates in place (Slack app mode) is redrawn by the outbox on the
        // change itself; only a refusal needs an answer, to the clicker alone.
        let inPlace = action.action_id?.hasPrefix(SlackAppNotifier.actionPrefix) ?? false
        let (replies, logger) = (self.replies, context.logger)
        let answer: @Sendable (ChatService.Reply) async -> Void = { reply in
            logger.info("chat action", metadata: ["actor": "\(actor.id)", "incident": "\(incident)", "action": "\(button.rawValue)"])
            guard let url, !(inPlace && reply.response_type == "in_channel") else { return }
            let update = reply.response_type == "in_channel" ? SlackUpdate(replace_original: true, text: reply.text)
                : SlackUpdate(replace_original: false, response_type: "ephemeral", text: reply.text)
            await replies.post(update, to: url)
        }
        if await ChatController.finishes(work, within: replyDeadline) {
            let reply = try await work.value  // storage trouble fails the request (Slack shows it)
            Task { await answer(reply) }
        } else {
            Task {
                do {
                    await answer(try await work.value)
                } catch {
                    await answer(.failed(error, logger: logger, what: "chat action"))
                }
            }
        }
        return JSONResponse.make([String: String]())
    }

    /// A Slack button's value, `42:acknowledge`.
    static func parse(_ value: String) -> (Int64, ChatActionSigner.Button)? {
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let id = Int64(parts[0]), id > 0, let button = ChatActionSigner.Button(rawValue: parts[1]) else { return nil }
        return (id, button)
    }
}
