import FirehouseCore
import FirehouseService

/// Runs a parsed chat command against the repository and renders the reply.
struct ChatService: Sendable {
    let repository: any IncidentUseCases
    let runbooks: RunbookShelf
    let drafts: PostmortemDrafts
    let parser: ChatCommandParser
    let replies: ChatReplies
    let silences: SilenceService

    /// A reply in the Slack/Mattermost shape.
    struct Reply: Encodable, Equatable {
        var response_type: String
        var text: String

        static func inChannel(_ text: String) -> Reply { Reply(response_type: "in_channel", text: text) }
        static func ephemeral(_ text: String) -> Reply { Reply(response_type: "ephemeral", text: text) }
    }

    /// The reply, and the command when the text parsed (for the log line).
    func handle(_ text: String, actor: Actor?) async throws -> (Reply, ChatCommand?) {
        let command: ChatCommand
        do {
            command = try parser.parse(text)
        } catch {
            return (.ephemeral(replies.error(error, parser: parser)), nil)
        }
        return (try await run(command, actor: actor), command)
    }

    func run(_ command: ChatCommand, actor: Actor?) async throws -> Reply {
        switch command {
        case .help(let topic):
            guard let topic else { return .ephemeral(replies.help(ChatCommandParser.table)) }
            guard let spec = parser.spec(named: topic) else {
                return .ephemeral(replies.error(.unknownCommand(topic), parser: parser))
            }
            return .ephemeral(replies.help(spec))
        case .list(let filter):
            let page = try await repository.incidents(IncidentQuery(status: filter, limit: 20))
            return .ephemeral(replies.list(page, filter: filter))
        case .show(let id):
            guard let detail = try await repository.incident(id: id) else { return .ephemeral(replies.notFound(id)) }
            return .ephemeral(replies.show(detail, roles: detail.roles))
        case .timeline(let id):
            guard let entries = try await repository.timeline(incidentID: id) else { return .ephemeral(replies.notFound(id)) }
            return .ephemeral(replies.timeline(id, entries: entries))
        case .roles(let id):
            guard let detail = try await repository.incident(id: id) else { return .ephemeral(replies.notFound(id)) }
            return .ephemeral(replies.roles(id, roles: detail.roles, catalog: parser.roles))
        case .runbook(let id):
            guard let detail = try await repository.incident(id: id) else { return .ephemeral(replies.notFound(id)) }
            let runbook = runbooks.library.primary(of: detail.runbooks)
            return .ephemeral(replies.runbook(id, runbook: runbook, links: detail.runbookLinks))
        case .declare(let severity, let title, let drill):
            guard let actor else { return .ephemeral(Self.anonymous) }
            let head = try await repository.declare(title: title, severity: severity, actor: actor, drill: drill)
            return .inChannel(replies.declared(head))
        case .drillStart(let runbookID, let severity):
            guard let actor else { return .ephemeral(Self.anonymous) }
            guard let head = try await repository.startDrill(runbookID: runbookID, severity: severity, actor: actor) else {
                return .ephemeral(replies.noRunbook(runbookID, library: runbooks.library))
            }
            return .inChannel(replies.declared(head))
        case .slo(let service):
            return .ephemeral(replies.slo(try await repository.sloReports(), service: service))
        case .act(let id, let action):
            guard let actor else { return .ephemeral(Self.anonymous) }
            switch try await repository.perform(action, on: id, actor: actor) {
            case .notFound: return .ephemeral(replies.notFound(id))
            case .unchanged(let text): return .ephemeral(ChatText.escape(text) + ".")
            case .refused(let text): return .ephemeral(ChatText.escape(text) + ".")
            case .changed(let head, let timeline):
                var text = replies.changed(head.id, timeline: timeline)
                if timeline.contains(where: { $0.event.kind == .postmortemGenerated }) {
                    text += "\nPost-mortem draft: \(drafts.postmortemLink(head.id))"
                }
                return .inChannel(text)
            }
        case .silence(let id, let duration, let comment):
            guard let actor else { return .ephemeral(Self.anonymous) }
            return try await alertmanagerTrouble {
                reply(id, try await silences.silence(id, duration: duration, comment: comment, actor: actor), entry: \.entry)
            }
        case .unsilence(let id):
            guard let actor else { return .ephemeral(Self.anonymous) }
            return try await alertmanagerTrouble {
                reply(id, try await silences.unsilence(id, actor: actor), entry: \.entry)
            }
        }
    }

    private func reply<Done>(_ id: Int64, _ outcome: SilenceService.Outcome<Done>, entry: (Done) -> TimelineDraft) -> Reply {
        switch outcome {
        case .notFound: .ephemeral(replies.notFound(id))
        case .refused(let text): .ephemeral(ChatText.escape(text) + ".")
        case .done(let done): .inChannel(replies.changed(id, timeline: [entry(done)]))
        }
    }

    /// Alertmanager trouble is told to the person in chat; storage trouble still fails the request.
    private func alertmanagerTrouble(_ body: () async throws -> Reply) async throws -> Reply {
        do {
            return try await body()
        } catch let error as AlertmanagerError {
            return .ephemeral(ChatText.escape(error.description) + ".")
        } catch let error as SilenceNotRecorded {
            return .ephemeral(ChatText.escape(error.description) + ".")
        }
    }

    static let anonymous = "Only identified users can change incidents: send `user_id`/`user_name` (slash command) or `user` (JSON)."
}
