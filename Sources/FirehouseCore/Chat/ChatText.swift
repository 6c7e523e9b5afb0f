/// Makes text from alerts and people safe to put in a Slack or Mattermost message: it cannot ping
/// (`<!channel>`, `<@U123>`, `@here`), link (`<url|text>`, `[text](url)`) or break the layout.
public enum ChatText {
    /// Works on Unicode scalars, as the platforms parse: a `Character` is a grapheme cluster, and
    /// `>` followed by a combining mark or U+200D is one `Character` that is not `>`, so it went
    /// out raw (found by fuzz/FuzzChat).
    public static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in text.scalarsFoldingCRLF {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            // A zero-width space after "@" stops Mattermost mentions; between "](" it stops Markdown links.
            case "@": out.append(contentsOf: "@\u{200B}".unicodeScalars)
            case "(" where previous == "]": out.append(contentsOf: "\u{200B}(".unicodeScalars)
            case _ where scalar.isLineBreak || scalar == "\t": out.append(" ")
            default: out.append(scalar)
            }
            previous = scalar
        }
        return String(out)
    }

    /// Escapes and cuts to `limit` characters, marking the cut.
    public static func short(_ text: String, limit: Int = 200) -> String {
        let cut = text.cut(to: limit)
        return escape(cut)
    }
}
