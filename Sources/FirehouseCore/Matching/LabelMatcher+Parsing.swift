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

    /// Works on Unicode scalars, as the printer (`promQuoted`) does: a backslash followed by a
    /// combining mark is one Character but still an escape (found by fuzz/FuzzMatcher).
    static func unquote(_ raw: String, original: String) throws(MatcherError) -> String {
        let scalars = Array(raw.unicodeScalars)
        guard let quote = scalars.first, quote == "\"" || quote == "'" else {
            guard !scalars.contains("\"") else { throw .badQuoting(original) }
            return raw
        }
        guard scalars.count >= 2, scalars.last == quote else { throw .badQuoting(original) }
        var out = String.UnicodeScalarView()
        var escaped = false
        for scalar in scalars[1..<(scalars.count - 1)] {
            if escaped {
                switch scalar {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\", "\"", "'": out.append(scalar)
                // Regex escapes such as \d stay as written.
                default: out.append("\\"); out.append(scalar)
                }
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == quote {
                throw .badQuoting(original)
            } else {
                out.append(scalar)
            }
        }
        guard !escaped else { throw .badQuoting(original) }
        return String(out)
    }
}
