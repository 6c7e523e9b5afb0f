/// Renders Markdown from alerts, chat, runbooks and operator templates as HTML that cannot run
/// anything: every character of text is escaped, raw HTML shows as text, and only http(s) links
/// and same-site paths survive (anything else keeps its text and loses the link). A subset of
/// CommonMark that covers what Firehouse writes and runbooks use: ATX headings, paragraphs,
/// bullet and numbered lists, block quotes, fenced code, pipe tables, rules, code spans,
/// emphasis, strong, links and backslash escapes. Pure.
public enum SafeMarkdown {
    public static func html(_ markdown: String) -> String {
        var renderer = BlockRenderer(lines: markdown.textLines.map(String.init))
        return renderer.render()
    }

    /// The URL a link may point at, or nil: http(s) URLs and paths on this site (`/ui/...`).
    /// Checked by Unicode scalar: a `Character` can hide `"` or a second `/` behind a combining mark.
    public static func linkTarget(_ text: String) -> String? {
        let trimmed = text.trimmingASCIIWhitespace
        let lower = trimmed.lowercased()
        let scalars = trimmed.unicodeScalars
        func has(_ specials: String) -> Bool {
            scalars.contains { $0.properties.isWhitespace || specials.unicodeScalars.contains($0) }
        }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            return has("\"<>`") ? nil : trimmed
        }
        if scalars.first == "/", !scalars.dropFirst().starts(with: ["/"]), !scalars.dropFirst().starts(with: ["\\"]), !has("\"<>\\`") {
            return trimmed
        }
        return nil
    }

    private struct BlockRenderer {
        let lines: [String]
        var index = 0
        var out = ""

        init(lines: [String]) { self.lines = lines }

        mutating func render() -> String {
            while index < lines.count {
                let line = lines[index]
                let trimmed = line.trimmingASCIIWhitespace
                if trimmed.isEmpty {
                    index += 1
                } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                    fence(String(trimmed.prefix(3)))
                } else if let (level, text) = Self.heading(trimmed) {
                    out += "<h\(level)>\(Inline.html(text))</h\(level)>\n"
                    index += 1
                } else if Self.isRule(trimmed) {
                    out += "<hr>\n"
                    index += 1
                } else if trimmed.hasPrefix("|"), index + 1 < lines.count, Self.isTableSeparator(lines[index + 1]) {
                    table()
                } else if trimmed.hasPrefix(">") {
                    quote()
                } else if Self.listItem(trimmed) != nil {
                    list()
                } else {
                    paragraph()
                }
            }
            return out
        }

        private mutating func fence(_ marker: String) {
            index += 1
            var body: [String] = []
            while index < lines.count, !lines[index].trimmingASCIIWhitespace.hasPrefix(marker) {
                body.append(lines[index])
                index += 1
            }
            index += 1  // the closing fence (or the end)
            out += "<pre tabindex=\"0\"><code>\(HTMLText.escape(body.joined(separator: "\n")))</code></pre>\n"
        }

        private mutating func table() {
            let header = Self.cells(lines[index])
            index += 2
            out += "<div class=\"table\"><table>\n<thead><tr>"
            for cell in header { out += "<th>\(Inline.html(cell))</th>" }
            out += "</tr></thead>\n<tbody>\n"
            while index < lines.count, lines[index].trimmingASCIIWhitespace.hasPrefix("|") {
                out += "<tr>"
                for cell in Self.cells(lines[index]) { out += "<td>\(Inline.html(cell))</td>" }
                out += "</tr>\n"
                index += 1
            }
            out += "</tbody></table></div>\n"
        }

        private mutating func quote() {
            var body: [String] = []
            while index < lines.count {
                let trimmed = lines[index].trimmingASCIIWhitespace
                guard trimmed.hasPrefix(">") else { break }
                body.append(String(trimmed.dropFirst()).trimmingASCIIWhitespace)
                index += 1
            }
            out += "<blockquote><p>\(Inline.html(body.joined(separator: " ")))</p></blockquote>\n"
        }

        private mutating func list() {
            let ordered = Self.listItem(lines[index].trimmingASCIIWhitespace)!.ordered
            // Each item's inline text, then blocks indented under it (fenced code).
            var items: [(text: String, blocks: String)] = []
            while index < lines.count {
                let trimmed = lines[index].trimmingASCIIWhitespace
                let indented = lines[index].first == " " || lines[index].first == "\t"
                if let item = Self.listItem(trimmed), item.ordered == ordered || indented {
                    if item.ordered == ordered || items.isEmpty {
                        items.append((item.text, ""))
                    } else {
                        items[items.count - 1].text += " " + trimmed  // a nested list of the other kind, flattened
                    }
                } else if indented, !items.isEmpty, trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                    let marker = String(trimmed.prefix(3))
                    index += 1
                    var body: [String] = []
                    while index < lines.count, !lines[index].trimmingASCIIWhitespace.hasPrefix(marker) {
                        body.append(lines[index])
                        index += 1
                    }
                    // The code keeps its own indentation, less what the whole block shares.
                    let indent = body.filter { !$0.trimmingASCIIWhitespace.isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
                    let code = body.map { String($0.dropFirst(min(indent, $0.prefix { $0 == " " }.count))) }.joined(separator: "\n")
                    items[items.count - 1].blocks += "<pre tabindex=\"0\"><code>\(HTMLText.escape(code))</code></pre>"
                } else if !trimmed.isEmpty, !items.isEmpty, indented {
                    items[items.count - 1].text += " " + trimmed  // a continuation line
                } else if trimmed.isEmpty, index + 1 < lines.count, lines[index + 1].first == " " || Self.listItem(lines[index + 1].trimmingASCIIWhitespace)?.ordered == ordered {
                    // a blank line inside the list
                } else {
                    break
                }
                index += 1
            }
            let tag = ordered ? "ol" : "ul"
            out += "<\(tag)>\n"
            for item in items { out += "<li>\(Inline.html(item.text))\(item.blocks)</li>\n" }
            out += "</\(tag)>\n"
        }

        private mutating func paragraph() {
            var body: [String] = []
            while index < lines.count {
                let trimmed = lines[index].trimmingASCIIWhitespace
                if trimmed.isEmpty || Self.heading(trimmed) != nil || trimmed.hasPrefix("```") || trimmed.hasPrefix(">")
                    || (trimmed.hasPrefix("|") && index + 1 < lines.count && Self.isTableSeparator(lines[index + 1]))
                    || (!body.isEmpty && Self.listItem(trimmed) != nil) {
                    break
                }
                body.append(trimmed)
                index += 1
            }
            out += "<p>\(Inline.html(body.joined(separator: " ")))</p>\n"
        }

        static func heading(_ line: String) -> (Int, String)? {
            let hashes = line.prefix { $0 == "#" }.count
            guard (1...6).contains(hashes) else { return nil }
            let rest = line.dropFirst(hashes)
            guard rest.isEmpty || rest.first == " " else { return nil }
            var text = rest.trimmingASCIIWhitespace
            while text.hasSuffix("#") { text.removeLast() }  // closing hashes
            return (hashes, text.trimmingASCIIWhitespace)
        }

        static func isRule(_ line: String) -> Bool {
            let compact = line.filter { $0 != " " }
            guard compact.count >= 3, let first = compact.first, "-*_".contains(first) else { return false }
            return compact.allSatisfy { $0 == first }
        }

        static func isTableSeparator(_ line: String) -> Bool {
            let trimmed = line.trimmingASCIIWhitespace
            return trimmed.hasPrefix("|") && trimmed.contains("-") && trimmed.allSatisfy { "|-: ".contains($0) }
        }

        static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
            if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " {
                return (false, String(line.dropFirst(2)))
            }
            let digits = line.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9 else { return nil }
            let rest = line.dropFirst(digits.count)
            guard let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " else { return nil }
            return (true, String(rest.dropFirst(2)))
        }

        /// The cells of a table row; a backslash-escaped `|` stays in its cell.
        static func cells(_ line: String) -> [String] {
            var row = line.trimmingASCIIWhitespace
            if row.hasPrefix("|") { row.removeFirst() }
            if row.hasSuffix("|"), !row.hasSuffix("\\|") { row.removeLast() }
            var cells: [String] = []
            var current = ""
            var escaped = false
            for ch in row {
                if escaped {
                    current.append("\\")
                    current.append(ch)
                    escaped = false
                } else if ch == "\\" {
                    escaped = true
                } else if ch == "|" {
                    cells.append(current.trimmingASCIIWhitespace)
                    current = ""
                } else {
                    current.append(ch)
                }
            }
            if escaped { current.append("\\") }
            cells.append(current.trimmingASCIIWhitespace)
            return cells
        }
    }

    /// Inline Markdown of one block. Linear in the block's length, whatever it holds: brackets are
    /// paired in one pass, a delimiter or backtick run that found no closer is not looked for
    /// again, link targets are at most 2,048 characters, and nesting deeper than 8 is text.
    enum Inline {
        static let maxDepth = 8
        static let maxTarget = 2_048

        static func html(_ text: String) -> String {
            let chars = Array(text)
            var out = ""
            render(chars[...], depth: 0, into: &out)
            return out
        }

        /// What one slice's scans learned, so none is repeated.
        private struct Scan {
            let text: ArraySlice<Character>
            /// `[` index to its `]`, and `(` to its `)`.
            let brackets: [Int: Int]
            let parens: [Int: Int]
            /// Indices of `>`, ascending (where an autolink may end).
            let greater: [Int]
            /// Per delimiter and width, the earliest start from which no closer exists.
            var noCloser: [String: Int] = [:]
            /// Per backtick run length, the earliest start from which no closing run exists.
            var noClosingRun: [Int: Int] = [:]

            init(_ text: ArraySlice<Character>) {
                self.text = text
                var pairs: [Int: Int] = [:], parenPairs: [Int: Int] = [:]
                var open: [Int] = [], openParens: [Int] = [], greater: [Int] = []
                var i = text.startIndex
                while i < text.endIndex {
                    switch text[i] {
                    case "\\": i += 1
                    case "[": open.append(i)
                    case "]": if let start = open.popLast() { pairs[start] = i }
                    case "(": openParens.append(i)
                    case ")": if let start = openParens.popLast() { parenPairs[start] = i }
                    case ">": greater.append(i)
                    default: break
                    }
                    i += 1
                }
                brackets = pairs
                parens = parenPairs
                self.greater = greater
            }

            mutating func closingRun(from start: Int, length: Int) -> Int? {
                if let failed = noClosingRun[length], start >= failed { return nil }
                var j = start
                while j < text.endIndex {
                    if text[j] == "`" {
                        let run = text[j...].prefix { $0 == "`" }.count
                        if run == length { return j }
                        j += run
                    } else {
                        j += 1
                    }
                }
                noClosingRun[length] = min(noClosingRun[length] ?? start, start)
                return nil
            }

            mutating func closingDelimiter(from start: Int, delimiter: Character, width: Int) -> Int? {
                let key = "\(delimiter)\(width)"
                if let failed = noCloser[key], start >= failed { return nil }
                var j = start
                while j < text.endIndex {
                    if text[j] == "\\" {
                        j += 2
                        continue
                    }
                    if text[j] == "`" {
                        let run = text[j...].prefix { $0 == "`" }.count
                        if let close = closingRun(from: j + run, length: run) {
                            j = close + run
                            continue
                        }
                        j += run
                        continue
                    }
                    if text[j] == delimiter, !text[j - 1].isWhitespace {
                        let run = text[j...].prefix { $0 == delimiter }.count
                        if run >= width, width == 2 || run == 1 { return j }
                        j += run
                        continue
                    }
                    j += 1
                }
                noCloser[key] = min(noCloser[key] ?? start, start)
                return nil
            }

            /// `[label](target)` starting at `i`: the label, the target and the index after `)`.
            func link(at i: Int) -> (label: ArraySlice<Character>, target: String, end: Int)? {
                guard let labelEnd = brackets[i], labelEnd + 1 < text.endIndex, text[labelEnd + 1] == "(",
                      // The target ends at the `)` that balances its opening one (`(javascript:alert(1))`).
                      let close = parens[labelEnd + 1], close - labelEnd <= maxTarget else { return nil }
                return (text[(i + 1)..<labelEnd], String(text[(labelEnd + 2)..<close]), close + 1)
            }

            /// The first `>` after `i`, if it is near enough to end an autolink.
            func autolinkEnd(after i: Int) -> Int? {
                var low = 0, high = greater.count
                while low < high {
                    let mid = (low + high) / 2
                    if greater[mid] <= i { low = mid + 1 } else { high = mid }
                }
                guard low < greater.count, greater[low] - i <= maxTarget else { return nil }
                return greater[low]
            }
        }

        private static func render(_ text: ArraySlice<Character>, depth: Int, into out: inout String) {
            guard depth <= maxDepth else {
                out += HTMLText.escape(String(text))
                return
            }
            var scan = Scan(text)
            var i = text.startIndex
            while i < text.endIndex {
                let ch = text[i]
                switch ch {
                case "\\":
                    let next = text.index(after: i)
                    if next < text.endIndex, text[next].isASCII, text[next].isPunctuation || text[next].isSymbol {
                        out += HTMLText.escape(String(text[next]))
                        i = text.index(after: next)
                        continue
                    }
                case "&":
                    if let (decoded, end) = entity(text, at: i) {
                        out += HTMLText.escape(decoded)
                        i = end
                        continue
                    }
                case "<":
                    // An autolink `<https://...>`; any other `<` is text.
                    if let close = scan.autolinkEnd(after: i),
                       let target = SafeMarkdown.linkTarget(String(text[(i + 1)..<close])), !target.hasPrefix("/") {
                        out += "<a href=\"\(HTMLText.escape(target))\" rel=\"noopener noreferrer\">\(HTMLText.escape(target))</a>"
                        i = close + 1
                        continue
                    }
                case "`":
                    let run = text[i...].prefix { $0 == "`" }.count
                    let start = i + run
                    if let close = scan.closingRun(from: start, length: run) {
                        let code = String(text[start..<close]).replacingNewlines
                        out += "<code>\(HTMLText.escape(code.trimmingSingleSpaces))</code>"
                        i = close + run
                        continue
                    }
                    out += String(repeating: "`", count: run)
                    i = start
                    continue
                case "*", "_":
                    let double = text.index(after: i) < text.endIndex && text[text.index(after: i)] == ch
                    let width = double ? 2 : 1
                    let start = i + width
                    if start < text.endIndex, !text[start].isWhitespace,
                       let close = scan.closingDelimiter(from: start, delimiter: ch, width: width) {
                        let tag = double ? "strong" : "em"
                        out += "<\(tag)>"
                        render(text[start..<close], depth: depth + 1, into: &out)
                        out += "</\(tag)>"
                        i = close + width
                        continue
                    }
                    if double {
                        out += String(repeating: ch, count: 2)
                        i = start
                        continue
                    }
                case "[":
                    if let link = scan.link(at: i) {
                        if let target = SafeMarkdown.linkTarget(link.target) {
                            out += "<a href=\"\(HTMLText.escape(target))\" rel=\"noopener noreferrer\">"
                            render(link.label, depth: depth + 1, into: &out)
                            out += "</a>"
                        } else {
                            render(link.label, depth: depth + 1, into: &out)
                        }
                        i = link.end
                        continue
                    }
                default:
                    break
                }
                out += HTMLText.escape(String(ch))
                i = text.index(after: i)
            }
        }

        /// `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&#39;` and numeric references: what `MarkdownText` writes.
        private static func entity(_ text: ArraySlice<Character>, at i: Int) -> (String, Int)? {
            guard let semicolon = text[i...].prefix(12).firstIndex(of: ";") else { return nil }
            let name = String(text[(i + 1)..<semicolon])
            let named = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"]
            if let value = named[name] { return (value, semicolon + 1) }
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                if let value, value != 0, let scalar = Unicode.Scalar(value) { return (String(Character(scalar)), semicolon + 1) }
            }
            return nil
        }
    }
}

/// HTML escaping of text and attribute values: `& < > " '`.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingASCIIWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    fileprivate var replacingNewlines: String { String(map { $0.isNewline ? " " : $0 }) }

    /// A code span's content loses one space at each end when it has one at both.
    fileprivate var trimmingSingleSpaces: String {
        hasPrefix(" ") && hasSuffix(" ") && count > 2 ? String(dropFirst().dropLast()) : String(self)
    }
}
