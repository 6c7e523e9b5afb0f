/// Parses command text (what follows the slash command) with the command table.
public struct ChatCommandParser: Sendable {
    public var roles: RoleCatalog
    public var maxLength: Int

    public init(roles: RoleCatalog = .default, maxLength: Int = 4000) {
        self.roles = roles
        self.maxLength = maxLength
    }

    public func spec(named name: String) -> CommandSpec? {
        let lower = name.lowercased()
        return Self.table.first { $0.name == lower || $0.aliases.contains(lower) }
    }

    public func parse(_ text: String) throws(ChatParseError) -> ChatCommand {
        guard text.utf8.count <= maxLength else { throw .tooLong(limit: maxLength) }
        var scanner = CommandScanner(text)
        guard let name = try scanner.word(), !name.isEmpty else { throw .empty }
        guard let spec = spec(named: name) else { throw .unknownCommand(String(name.prefix(40))) }
        var reader = ArgumentReader(scanner: scanner, command: spec.name, roles: roles)
        do {
            return try spec.parse(&reader)
        } catch let error as ChatParseError {
            throw error
        } catch {
            throw .badArgument(command: spec.name, message: "\(error)")
        }
    }

    /// Every command, in the order `help` lists them.
    public static let table: [CommandSpec] = [
        CommandSpec("help", usage: "help [command]", "List the commands, or explain one.") { r in
            let topic = try r.optionalWord()
            try r.end()
            return .help(topic: topic?.lowercased())
        },
        CommandSpec("list", usage: "list [open|resolved|closed|all]", "List incidents (default: open).") { r in
            let word = try r.optionalWord() ?? "open"
            guard let filter = IncidentStatusFilter(word) else {
                throw r.fail("\"\(word.prefix(20))\" is not a status filter (use open, resolved, closed or all)")
            }
            try r.end()
            return .list(filter)
        },
        CommandSpec("show", usage: "show <ref>", "Show an incident.") { r in
            let id = try r.ref()
            try r.end()
            return .show(id)
        },
        CommandSpec("timeline", usage: "timeline <ref>", "Show an incident's timeline.") { r in
            let id = try r.ref()
            try r.end()
            return .timeline(id)
        },
        CommandSpec("declare", usage: "declare [drill] <sev1..sev4> <title...>",
                    "Open an incident by hand; `declare drill ...` opens a drill (a game day: marked, not in stats or budgets).") { r in
            let first = try r.word("severity (sev1..sev4) or drill")
            let drill = first.lowercased() == "drill"
            let severity: Severity = if drill { try r.severity() } else { try r.severity(from: first) }
            return .declare(severity, title: try r.text("title"), drill: drill)
        },
        CommandSpec("drill", usage: "drill start <runbook-id> [sev1..sev4]",
                    "Rehearse a runbook: opens a drill with the runbook attached.") { r in
            let verb = try r.word("start").lowercased()
            guard verb == "start" else { throw r.fail("\"\(verb.prefix(20))\" is not a drill command (use drill start <runbook-id>)") }
            let runbook = try r.word("runbook id")
            var severity: Severity?
            if let text = try r.optionalWord() { severity = try r.severity(from: text) }
            try r.end()
            return .drillStart(runbookID: runbook, severity: severity)
        },
        CommandSpec("slo", aliases: ["budget"], usage: "slo [service]", "Error budgets: every service's, or one's in detail.") { r in
            let service = try r.optionalWord()
            try r.end()
            return .slo(service: service)
        },
        CommandSpec("ack", aliases: ["acknowledge"], usage: "ack <ref>", "Acknowledge: you are on it.") { r in
            let id = try r.ref()
            try r.end()
            return .act(id, .move(.acknowledge, summary: nil))
        },
        CommandSpec("status", usage: "status <ref> <investigating|mitigated|resolved>", "Move an incident on.") { r in
            let id = try r.ref()
            let word = try r.word("status (investigating, mitigated or resolved)").lowercased()
            let moves: [String: IncidentLifecycle.Move] = [
                "investigating": .investigate, "mitigated": .mitigate, "resolved": .resolve,
            ]
            guard let move = moves[word] else {
                throw r.fail("\"\(word.prefix(20))\" is not a status you can set (use investigating, mitigated or resolved)")
            }
            if move != .resolve { try r.end() }
            return .act(id, .move(move, summary: move == .resolve ? r.optionalText() : nil))
        },
        CommandSpec("mitigate", usage: "mitigate <ref>", "Mark the impact as mitigated.") { r in
            let id = try r.ref()
            try r.end()
            return .act(id, .move(.mitigate, summary: nil))
        },
        CommandSpec("resolve", usage: "resolve <ref> [summary...]", "Resolve, with an optional summary.") { r in
            let id = try r.ref()
            return .act(id, .move(.resolve, summary: r.optionalText()))
        },
        CommandSpec("reopen", usage: "reopen <ref>", "Reopen a resolved or closed incident.") { r in
            let id = try r.ref()
            try r.end()
            return .act(id, .move(.reopen, summary: nil))
        },
        CommandSpec("close", usage: "close <ref>", "Close a resolved incident.") { r in
            let id = try r.ref()
            try r.end()
            return .act(id, .move(.close, summary: nil))
        },
        CommandSpec("sev", aliases: ["severity"], usage: "sev <ref> <sev1..sev4>", "Set the severity (overrides alerts).") { r in
            let id = try r.ref()
            let severity = try r.severity()
            try r.end()
            return .act(id, .setSeverity(severity))
        },
        CommandSpec("assign", usage: "assign <ref> <role> <@user>", "Give a response role to someone.") { r in
            let id = try r.ref()
            let role = try r.role()
            let user = try r.user()
            try r.end()
            return .act(id, .assign(role: role, user: user))
        },
        CommandSpec("unassign", usage: "unassign <ref> <role>", "Take a role back.") { r in
            let id = try r.ref()
            let role = try r.role()
            try r.end()
            return .act(id, .unassign(role: role))
        },
        CommandSpec("roles", usage: "roles <ref>", "Who holds which role, and who held it before.") { r in
            let id = try r.ref()
            try r.end()
            return .roles(id)
        },
        CommandSpec("note", usage: "note <ref> <text...>", "Add a note to the timeline.") { r in
            let id = try r.ref()
            return .act(id, .note(try r.text("note text")))
        },
        CommandSpec("title", usage: "title <ref> <text...>", "Rename an incident.") { r in
            let id = try r.ref()
            return .act(id, .retitle(try r.text("title")))
        },
        CommandSpec("runbook", usage: "runbook <ref>", "Show the attached runbook's mitigation steps.") { r in
            let id = try r.ref()
            try r.end()
            return .runbook(id)
        },
        CommandSpec("silence", aliases: ["mute"], usage: "silence <ref> <duration> [comment...]",
                    "Silence the incident's alerts in Alertmanager, e.g. `silence 12 2h deploying fix`.") { r in
            let id = try r.ref()
            let duration = try r.duration()
            return .silence(id, duration: duration, comment: r.optionalText())
        },
        CommandSpec("unsilence", aliases: ["unmute"], usage: "unsilence <ref>", "Expire the incident's silences.") { r in
            let id = try r.ref()
            try r.end()
            return .unsilence(id)
        },
    ]
}
