/// Makes text from alerts and people safe to put in a Slack or Mattermost message: it cannot ping
/// (`<!channel>`, `<@U123>`, `@here`), link (`<url|text>`, `[text](url)`) or break the layout.
public enum ChatText {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var previous: Character?
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            // A zero-width space after "@" stops Mattermost mentions; between "](" it stops Markdown links.
            case "@": out += "@\u{200B}"
            case "(" where previous == "]": out += "\u{200B}("
            // isNewline, not "\n"/"\r": "\r\n" is one Character and matched neither (found by fuzz/FuzzChat).
            case _ where ch.isNewline || ch == "\t": out += " "
            default: out.append(ch)
            }
            previous = ch
        }
        return out
    }

    /// Escapes and cuts to `limit` characters, marking the cut.
    public static func short(_ text: String, limit: Int = 200) -> String {
        let cut = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return escape(cut)
    }
}
