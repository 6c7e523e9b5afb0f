import FirehouseCore

/// Discord webhooks: one embed per event (title, description, colour by severity, fields, a link),
/// with `allowed_mentions` empty so nothing in it can ping, whatever the alert text says.
struct DiscordNotifier: Notifier {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        Notifiers.post(Self.body(text.message(delivery)), to: target, headers: Notifiers.headers(delivery))
    }

    func digestRequest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest? {
        Notifiers.post(Self.digestBody(digest), to: target, headers: Notifiers.digestHeaders)
    }

    /// The digest as embeds of at most 4,000 characters each. A description holds 4,096 characters
    /// and a message 10 embeds and 6,000 characters in all, so lines lose their links and then their
    /// titles until every incident fits in 5,500 (each is always listed).
    static func digestBody(_ digest: DigestMessage) -> Body {
        let d = ChatDialect.discord
        let budget = 5_500 - (DigestText.services(digest, dialect: d)?.utf16.count ?? 0)
        var lines: [String] = []
        for (titleLimit, linked) in [(80, true), (60, false), (30, false), (12, false), (0, false)] {
            lines = digest.items.map { DigestText.line($0, dialect: d, titleLimit: titleLimit, linked: linked) }
            if lines.reduce(0, { $0 + $1.utf16.count + 1 }) <= budget { break }
        }
        // Greedy: a new embed when the next line would pass 4,000 UTF-16 units (under Discord's 4,096).
        var chunks: [[String]] = [[]]
        var size = DigestText.services(digest, dialect: d).map { $0.utf16.count + 1 } ?? 0
        for line in lines {
            if size + line.utf16.count + 1 > 4_000, !chunks[chunks.count - 1].isEmpty {
                chunks.append([])
                size = 0
            }
            chunks[chunks.count - 1].append(line)
            size += line.utf16.count + 1
        }
        let embeds = chunks.enumerated().map { index, chunk in
            var description = chunk
            if index == 0, let services = DigestText.services(digest, dialect: d) { description.insert(services, at: 0) }
            return Embed(title: index == 0 ? "🚨 \(digest.headline)" : "…", description: description.joined(separator: "\n"),
                         url: index == 0 ? digest.listURL : nil, color: 0xD1242F, fields: [], timestamp: digest.at.rfc3339)
        }
        return Body(embeds: embeds, allowed_mentions: Mentions(parse: []))
    }

    struct Body: Encodable, Equatable {
        var embeds: [Embed]
        var allowed_mentions: Mentions
    }

    struct Mentions: Encodable, Equatable {
        var parse: [String]
    }

    struct Embed: Encodable, Equatable {
        var title: String
        var description: String
        var url: String?
        var color: Int
        var fields: [Field]
        var timestamp: String
    }

    struct Field: Encodable, Equatable {
        var name: String
        var value: String
        var inline: Bool
    }

    /// Discord's limits: title 256, description 4096, field value 1024 characters.
    static func body(_ m: NotificationMessage) -> Body {
        let d = ChatDialect.discord
        var fields = [Field(name: "Severity", value: m.severity.name, inline: true),
                      Field(name: "Status", value: m.status.rawValue, inline: true)]
        if let actor = m.actor { fields.append(Field(name: "By", value: d.text(actor, limit: 80), inline: true)) }
        if let postmortem = m.postmortemURL { fields.append(Field(name: "Post-mortem draft", value: postmortem, inline: false)) }
        return Body(
            embeds: [Embed(title: "\(m.symbol) \(m.drillMark)\(m.ref) \(m.verb)", description: d.text(m.title, limit: 200) + "\n" + d.text(m.detail, limit: 1_000),
                           url: m.incidentURL, color: color(m), fields: fields, timestamp: m.at.rfc3339)],
            allowed_mentions: Mentions(parse: []))
    }

    /// Green once it is over; otherwise by severity (red, orange, yellow, blue).
    static func color(_ m: NotificationMessage) -> Int {
        if [.resolved, .closed].contains(m.event) { return 0x1A7F37 }
        switch m.severity {
        case .sev1: return 0xD1242F
        case .sev2: return 0xBC4C00
        case .sev3: return 0xBF8700
        default: return 0x0969DA
        }
    }
}
