import FirehouseCore
import Hummingbird
import Logging

/// `POST /api/v1/chat`: Slack/Mattermost slash commands and JSON commands.
struct ChatController: Sendable {
    let service: ChatService
    let auth: ChatAuth
    let metrics: FirehouseMetrics
    let maxBodyBytes: Int

    func addRoutes(to routes: Routes) {
        routes.post("/api/v1/chat", .chat, use: receive)
    }

    @Sendable func receive(_ request: Request, context: FirehouseContext) async throws -> Response {
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        // Authenticate before acting on the content: a Slack signature covers the raw bytes; a token
        // may sit in the form. A bad body from an unauthenticated sender is a 401, not a 400.
        let parsed = Result { try ChatRequest.parse(body: body, contentType: request.headers[.contentType]) }
        do {
            try await auth.check(headers: request.headers, body: body, formToken: try? parsed.get().token)
        } catch {
            metrics.authDenied(route: "/api/v1/chat", reason: "credentials")
            context.logger.warning("access denied", metadata: ["route": "/api/v1/chat", "reason": "\(error)"])
            throw error
        }
        let chat = try parsed.get()
        let (reply, command) = try await service.handle(chat.text, actor: chat.actor)
        if reply == ChatService.Reply.ephemeral(ChatService.anonymous) {
            metrics.authDenied(route: "/api/v1/chat", reason: "anonymous_change")
            context.logger.warning("access denied", metadata: [
                "route": "/api/v1/chat", "reason": "a change asked without an identified user", "channel": "\(chat.channel)",
            ])
        }
        var metadata: Logger.Metadata = [
            "actor": "\(chat.actor?.id ?? "-")", "channel": "\(chat.channel)",
            "command": "\(chat.text.split(separator: " ").first.map(String.init) ?? "")",
        ]
        if let id = command?.incidentID { metadata["incident"] = "\(id)" }
        context.logger.info("chat command", metadata: metadata)
        return JSONResponse.make(reply)
    }
}
