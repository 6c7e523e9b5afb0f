extension TimeSpan {
    /// The units of Prometheus' duration syntax, longest first: each may appear once, in this order.
    static let units: [(name: String, nanoseconds: Int64)] = [
        ("y", 31_536_000_000_000_000), ("w", 604_800_000_000_000), ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000),
    ]

    /// Parses a Prometheus duration: `30m`, `1h30m`, `45s`, `500ms`, `2d`, `1w`, `1y`. Units go from
    /// the longest to the shortest, each at most once (`1h30m`, not `30m1h` or `1h1h`), as
    /// Prometheus and Alertmanager require; a total past Int64 nanoseconds is refused.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { return nil }
        if rest == "0" { self.init(nanoseconds: 0); return }
        var total: Int64 = 0
        var next = 0  // the index in `units` the next part may use at the earliest
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m": the longer name wins where both match.
            let match = Self.units.indices.filter { rest.hasPrefix(Self.units[$0].name) }.max { Self.units[$0].name.count < Self.units[$1].name.count }
            guard let index = match, index >= next else { return nil }
            next = index + 1
            let unit = Self.units[index]
            rest = rest.dropFirst(unit.name.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.nanoseconds)
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
