/// Escapes text from alerts and people for Markdown documents: it renders as the literal text and
/// cannot open formatting, links, headings, tables or raw HTML.
public enum MarkdownText {
    /// Inline text (one line): Markdown punctuation (backslash, backtick, `*`, `_`, `[`, `]`, `|`, `~`) is backslash-escaped,
    /// `<`/`>`/`&` become entities, newlines and tabs become spaces, and what would start a heading,
    /// list or quote at the start of a line (`#`, `-`, `+`, `=`, `1.`) is escaped too. Works on UTF-8
    /// bytes: every special character is ASCII, and post-mortems escape thousands of strings.
    public static func inline(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            if !bytes.contains(where: { needsWork[Int($0)] }), let first = bytes.first,
               !leading[Int(first)], !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
                return String(decoding: bytes, as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            var digitsSoFar = true
            for (index, byte) in bytes.enumerated() {
                if index == 0, leading[Int(byte)] { out.append(UInt8(ascii: "\\")) }
                // "1." or "1)" at the start would begin an ordered list.
                if digitsSoFar, index > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")") { out.append(UInt8(ascii: "\\")) }
                digitsSoFar = digitsSoFar && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                switch byte {
                case UInt8(ascii: "<"): out.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])          // &lt;
                case UInt8(ascii: ">"): out.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])          // &gt;
                case UInt8(ascii: "&"): out.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])    // &amp;
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): out.append(UInt8(ascii: " "))
                default:
                    if special[Int(byte)] { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func table(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in characters.utf8 { table[Int(byte)] = true }
        return table
    }

    /// Special anywhere in a line.
    private static let special = table("\\`*_[]|~")
    /// Special only where a line starts (headings, lists, setext underlines).
    private static let leading = table("#-+=")
    private static let needsWork = table("\\`*_[]|~<>&\n\r\t")

    /// Text inside inline code: backticks cannot be escaped there, so the fence grows around them.
    /// By scalar, as a Markdown parser reads: a backtick followed by a combining mark is one
    /// `Character` that is not "`", yet a backtick that can close the span.
    public static func code(_ text: String) -> String {
        // Every line break (CR, CRLF, U+2028, ...): CommonMark ends a code span's line at each.
        var flat = String.UnicodeScalarView()
        var longest = 0, run = 0
        for scalar in text.scalarsFoldingCRLF {
            flat.append(scalar.isLineBreak ? " " : scalar)
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = flat.first == "`" || flat.last == "`" ? " " : ""
        return fence + pad + String(flat) + pad + fence
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
