extension TimeSpan {
    /// Parses a Go/Prometheus style duration: `30m`, `1h30m`, `45s`, `500ms`, `2d`.
    public init?(parsing text: String) {
        let units: [(String, Int64)] = [
            ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
            ("d", 86_400_000_000_000), ("w", 604_800_000_000_000),
        ]
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { return nil }
        if rest == "0" { self.init(nanoseconds: 0); return }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { rest.hasPrefix($0.0) })
            else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            // The sum of parts can overflow too (found by fuzz/FuzzChat: "133s88833s3333d…83339d333").
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        self.init(nanoseconds: total)
    }

    /// Short human form, e.g. `1h30m`, `45s`, `0s`.
    public var humanReadable: String {
        var seconds = nanoseconds / 1_000_000_000
        if seconds == 0 { return nanoseconds == 0 ? "0s" : "\(nanoseconds / 1_000_000)ms" }
        var out = seconds < 0 ? "-" : ""
        seconds = abs(seconds)
        let parts: [(Int64, String)] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        for (size, unit) in parts where seconds >= size {
            out += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return out
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let s = self[...]
        guard let start = s.firstIndex(where: { !$0.isWhitespace }),
              let end = s.lastIndex(where: { !$0.isWhitespace })
        else { return Substring("") }
        return Substring(s[start...end])
    }
}
