import FirehouseCore
import Hummingbird
import Logging

/// `POST /api/v1/chat`: Slack/Mattermost slash commands and JSON commands.
struct ChatController: Sendable {
    let service: ChatService
    let auth: ChatAuth
    let metrics: FirehouseMetrics
    let maxBodyBytes: Int
    /// A slash command with a `response_url` that takes longer than this is answered through it.
    var replyDeadline: Duration = .milliseconds(2_500)
    var delayed: DelayedReplies?

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
        guard let delayed, let url = chat.responseURL, DelayedReplies.accepts(url) else {
            let (reply, command) = try await service.handle(chat.text, actor: chat.actor)
            log(chat, command: command, reply: reply, logger: context.logger, late: false)
            return JSONResponse.make(reply)
        }
        // Slack gives up after 3 seconds: a command not done by the deadline is acknowledged now and
        // answered through its response_url when it is done (it goes on either way).
        let service = self.service
        let work = Task { try await service.handle(chat.text, actor: chat.actor) }
        if await Self.finishes(work, within: replyDeadline) {
            let (reply, command) = try await work.value
            log(chat, command: command, reply: reply, logger: context.logger, late: false)
            return JSONResponse.make(reply)
        }
        let logger = context.logger
        Task {
            let reply: ChatService.Reply
            do {
                let (done, command) = try await work.value
                reply = done
                log(chat, command: command, reply: done, logger: logger, late: true)
            } catch {
                reply = .failed(error, logger: logger, what: "chat command")
            }
            await delayed.post(reply, to: url)
        }
        return JSONResponse.make(ChatService.Reply.ephemeral("Working on it: the answer follows here."))
    }

    /// Whether `work` is done within `deadline` (never, for a zero deadline); it goes on either way.
    static func finishes<T: Sendable>(_ work: Task<T, any Error>, within deadline: Duration) async -> Bool {
        guard deadline > .zero else { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await work.result
                return true
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func log(_ chat: ChatRequest, command: ChatCommand?, reply: ChatService.Reply, logger: Logger, late: Bool) {
        if reply == ChatService.Reply.ephemeral(ChatService.anonymous) {
            metrics.authDenied(route: "/api/v1/chat", reason: "anonymous_change")
            logger.warning("access denied", metadata: [
                "route": "/api/v1/chat", "reason": "a change asked without an identified user", "channel": "\(chat.channel)",
            ])
        }
        var metadata: Logger.Metadata = [
            "actor": "\(chat.actor?.id ?? "-")", "channel": "\(chat.channel)",
            "command": "\(chat.text.split(separator: " ").first.map(String.init) ?? "")",
        ]
        if let id = command?.incidentID { metadata["incident"] = "\(id)" }
        if late { metadata["answered"] = "response_url" }
        logger.info("chat command", metadata: metadata)
    }
}
