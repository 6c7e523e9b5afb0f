extension LabelMatcher {
    /// Parses Alertmanager's matcher syntax: `alertname="KafkaBrokerDown"`, `severity=~"critical|error"`,
    /// `team!=platform` (unquoted values are allowed, as amtool allows them).
    public init(parsing text: String) throws(MatcherError) {
        let trimmed = String(text.trimmingWhitespace())
        guard let opStart = trimmed.firstIndex(where: { $0 == "=" || $0 == "!" }) else { throw .missingOperator(trimmed) }
        let name = String(trimmed[..<opStart].trimmingWhitespace())
        var rest = trimmed[opStart...]
        let op: Operator
        if rest.hasPrefix("=~") { op = .regex } else if rest.hasPrefix("!~") { op = .notRegex }
        else if rest.hasPrefix("!=") { op = .notEqual } else if rest.hasPrefix("=") { op = .equal }
        else { throw .missingOperator(trimmed) }
        rest = rest.dropFirst(op.rawValue.count)
        let raw = String(rest.trimmingWhitespace())
        try self.init(name: name, op: op, value: Self.unquote(raw, original: trimmed))
    }

    static func unquote(_ raw: String, original: String) throws(MatcherError) -> String {
        guard raw.hasPrefix("\"") || raw.hasPrefix("'") else {
            guard !raw.contains("\"") else { throw .badQuoting(original) }
            return raw
        }
        let quote = raw.first!
        guard raw.count >= 2, raw.last == quote else { throw .badQuoting(original) }
        var out = ""
        var escaped = false
        for ch in raw.dropFirst().dropLast() {
            if escaped {
                switch ch {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\", "\"", "'": out.append(ch)
                // Regex escapes such as \d stay as written.
                default: out.append("\\"); out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == quote {
                throw .badQuoting(original)
            } else {
                out.append(ch)
            }
        }
        guard !escaped else { throw .badQuoting(original) }
        return out
    }
}
