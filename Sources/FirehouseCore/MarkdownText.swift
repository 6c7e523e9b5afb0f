/// Escapes text from alerts and people for Markdown documents: it renders as the literal text and
/// cannot open formatting, links, headings, tables or raw HTML.
public enum MarkdownText {
    /// Punctuation that is special anywhere in a line.
    private static let specials: Set<Character> = ["\\", "`", "*", "_", "[", "]", "|", "~"]
    /// Punctuation that is special only where a line starts (headings, lists, quotes).
    private static let leading: Set<Character> = ["#", "-", "+", "="]

    /// Inline text (one line): Markdown punctuation is backslash-escaped, `<`/`>`/`&` become entities,
    /// newlines become spaces. Safe at the start of a line too (in templates).
    public static func inline(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var first = true
        var digitsSoFar = true
        for ch in text {
            defer { first = false }
            if first, leading.contains(ch) { out.append("\\") }
            // "1." or "1)" at the start would begin an ordered list.
            if digitsSoFar, !first, ch == "." || ch == ")" { out.append("\\") }
            digitsSoFar = digitsSoFar && ch.isASCII && ch.isNumber
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\t": out += " "
            default:
                if specials.contains(ch) { out.append("\\") }
                out.append(ch)
            }
        }
        return out
    }

    /// Text inside inline code: backticks cannot be escaped there, so the fence grows around them.
    public static func code(_ text: String) -> String {
        let flat = text.replacing("\n", with: " ")
        var longest = 0, run = 0
        for ch in flat {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// A URL for a Markdown link target: only http(s), with characters that end the target escaped.
    public static func url(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ": out += "%20"
            case "(": out += "%28"
            case ")": out += "%29"
            case "<": out += "%3C"
            case ">": out += "%3E"
            case "\"": out += "%22"
            case "\n", "\r", "\t": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
