/// How one chat platform writes a message: its bold, and how text from alerts and people is made
/// to show literally there, unable to ping anyone, make a link or change the layout. Pure.
public enum ChatDialect: String, Sendable, CaseIterable {
    /// Slack's mrkdwn: `*bold*`; `&`, `<`, `>` as entities; `<!channel>` and `<@U1>` need angle brackets.
    case slack
    /// Mattermost's Markdown: `**bold**`; Markdown punctuation escaped; `@channel`, `@here`, `@all`, `@user` ping.
    case mattermost
    /// Discord's Markdown: `**bold**`; backslash escapes; `<@id>` and `@everyone` ping (the body also sends
    /// `allowed_mentions` empty).
    case discord
    /// Teams Adaptive Card TextBlocks: a Markdown subset (`**bold**`, `_italic_`, lists, links).
    case teams

    public func bold(_ text: String) -> String { self == .slack ? "*\(text)*" : "**\(text)**" }

    /// Text from alerts and people on one line, cut to `limit` characters (the cut marked with …).
    public func text(_ text: String, limit: Int = 200) -> String {
        let cut = text.cut(to: limit)
        switch self {
        case .slack: return ChatText.escape(cut)
        case .mattermost: return Self.breakMentions(MarkdownText.inline(cut))
        case .discord: return Self.backslashed(cut, specials: "\\*_~`|>#-[]()<:", mentions: true)
        case .teams: return Self.zeroWidthAfter(cut)
        }
    }

    /// Text in a code span, backticks included: Slack escapes as elsewhere; Markdown dialects grow
    /// the fence around backticks, since nothing can be escaped inside one.
    public func code(_ text: String, limit: Int = 200) -> String {
        let cut = text.cut(to: limit)
        switch self {
        case .slack: return "`" + ChatText.escape(cut) + "`"
        default: return Self.breakMentions(MarkdownText.code(cut))
        }
    }

    /// A URL from alerts or people: Slack escapes it as text (and auto-links it); the Markdown
    /// dialects keep an http(s) URL whole (only characters that would end it percent-encoded), so it
    /// still links, and treat anything else as text.
    public func link(_ url: String) -> String {
        if self == .slack { return ChatText.escape(url) }
        guard let safe = MarkdownText.url(url) else { return text(url, limit: 500) }
        return safe
    }

    /// `text` (already escaped for this dialect) as a link to one of Firehouse's own URLs (which
    /// hold none of `<>|()[]` or spaces): Slack's `<url|text>`, Markdown's `[text](url)`.
    public func linked(_ text: String, to url: String) -> String {
        self == .slack ? "<\(url)|\(text)>" : "[\(text)](\(url))"
    }

    /// A zero-width space after `@` stops `@channel`, `@here`, `@everyone` and user mentions.
    static func breakMentions(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "@")) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(scalar)
            if scalar == "@" { out.append("\u{200B}") }
        }
        return String(out)
    }

    /// Backslash before every scalar in `specials`; line breaks and tabs become spaces. By scalar,
    /// as in `ChatText.escape`: a special followed by a combining mark is not a `Character` of `specials`.
    static func backslashed(_ text: String, specials: String, mentions: Bool) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.scalarsFoldingCRLF {
            if scalar.isLineBreak || scalar == "\t" {
                out.append(" ")
            } else if specials.unicodeScalars.contains(scalar) {
                out.append("\\")
                out.append(scalar)
            } else if scalar == "@", mentions {
                out.append(contentsOf: "@\u{200B}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Teams' Markdown has no reliable backslash escape: a zero-width space after each character that
    /// could open formatting or a link breaks the syntax without changing what people read.
    /// By scalar, as in `ChatText.escape`.
    static func zeroWidthAfter(_ text: String) -> String {
        let scalars = text.scalarsFoldingCRLF
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            defer { index += 1 }
            if scalar.isLineBreak || scalar == "\t" {
                out.append(" ")
                continue
            }
            out.append(scalar)
            guard "*_[]()#>~`<\\".unicodeScalars.contains(scalar)
                || (index == 0 && (scalar == "-" || scalar == "+" || scalar.properties.numericType != nil)) else { continue }
            // A keycap emoji (#️⃣, *️⃣, 1️⃣) stays whole: the break goes after its U+FE0F U+20E3.
            let keycap = scalars[(index + 1)...].prefix(2)
            if keycap.first == "\u{20E3}" || keycap.elementsEqual(["\u{FE0F}", "\u{20E3}"]) {
                out.append(contentsOf: keycap.prefix(keycap.first == "\u{20E3}" ? 1 : 2))
                index += keycap.first == "\u{20E3}" ? 1 : 2
            }
            out.append("\u{200B}")
        }
        return String(out)
    }
}

/// An outbound event as the parts every platform shows: what happened to which incident, by whom,
/// its state, and where to look. Texts are raw here; each platform's notifier escapes them.
public struct NotificationMessage: Sendable, Equatable {
    public var event: OutboundEvent
    /// Slack-style shortcode (`:rotating_light:`), which Slack and Mattermost show as emoji.
    public var emoji: String
    /// The same as a Unicode character, for Discord and Teams.
    public var symbol: String
    public var ref: String
    public var verb: String
    /// Who did it; nil when Firehouse or Alertmanager did.
    public var actor: String?
    public var severity: Severity
    public var status: IncidentStatus
    public var title: String
    public var detail: String
    public var at: Timestamp
    public var incidentURL: String?
    public var postmortemURL: String?
    /// A rehearsal: every platform marks it.
    public var drill: Bool = false

    /// `[DRILL] ` for a drill's messages, else nothing.
    public var drillMark: String { drill ? "[DRILL] " : "" }
}
