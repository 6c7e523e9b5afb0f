/// The storm digest as chat text in one dialect: the headline, the busiest services, one line per
/// incident (linked when there is an external URL) and a link to the list. Pure; golden-file tested.
public enum DigestText {
    /// The headline line, bold.
    public static func headline(_ digest: DigestMessage, dialect: ChatDialect) -> String {
        let emoji = dialect == .slack || dialect == .mattermost ? ":rotating_light:" : "🚨"
        return "\(emoji) \(dialect.bold(digest.headline)): storm digest, one message instead of \(digest.items.count)"
    }

    public static func services(_ digest: DigestMessage, dialect: ChatDialect) -> String? {
        digest.servicesLine.map { "Top services: " + dialect.text($0, limit: 300) }
    }

    /// One incident: its ref (a link when possible and `linked`), severity, title (cut to
    /// `titleLimit` characters; 0 leaves it out) and service.
    public static func line(_ item: DigestMessage.Item, dialect: ChatDialect, titleLimit: Int = 80, linked: Bool = true) -> String {
        let ref = linked ? item.url.map { dialect.linked(item.ref, to: $0) } ?? item.ref : item.ref
        let title = titleLimit > 0 ? " " + dialect.text(item.title, limit: titleLimit) : ""
        let service = item.service.map { " (\(dialect.text($0, limit: titleLimit > 0 ? 40 : 16)))" } ?? ""
        return "• \(item.drill ? "[DRILL] " : "")\(ref) [\(item.severity.name)]\(title)\(service)"
    }

    public static func listLink(_ digest: DigestMessage) -> String? {
        digest.listURL.map { "All incidents: \($0)" }
    }

    /// The whole digest as one text (Slack, Mattermost).
    public static func render(_ digest: DigestMessage, dialect: ChatDialect) -> String {
        var lines = [headline(digest, dialect: dialect)]
        if let services = services(digest, dialect: dialect) { lines.append(services) }
        lines += digest.items.map { line($0, dialect: dialect) }
        if let link = listLink(digest) { lines.append(link) }
        return lines.joined(separator: "\n")
    }
}
