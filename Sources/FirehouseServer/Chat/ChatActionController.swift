import FirehouseCore
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /api/v1/chat/actions`: a click on a Mattermost notification's button (an integration
/// action). The signed context says which incident and move; the clicking user is the actor. The
/// answer updates the post (its buttons go, the result stays) and tells a refusal to the clicker only.
struct ChatActionController: Sendable {
    let service: ChatService
    let signer: ChatActionSigner?
    let metrics: FirehouseMetrics
    let maxBodyBytes: Int

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
        let click = try await RequestBody.decode(Click.self, from: request, limit: maxBodyBytes,
                                                 example: #"{"user_id": "...", "context": {"incident": 1, "action": "acknowledge", "signature": "..."}}"#)
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
        let reply = try await service.run(.act(incident, .move(button.move, summary: nil)), actor: actor)
        context.logger.info("chat action", metadata: ["actor": "\(actor.id)", "incident": "\(incident)", "action": "\(button.rawValue)"])
        guard reply.response_type == "in_channel" else { return JSONResponse.make(Answer(ephemeral_text: reply.text)) }
        return JSONResponse.make(Answer(update: .init(message: reply.text, props: .init())))
    }
}
