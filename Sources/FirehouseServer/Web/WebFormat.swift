import FirehouseCore

/// How the web view writes times, durations and links; pure, so pages render the same in tests.
enum WebFormat {
    /// `2026-11-25 15:04:05 UTC`
    static func exact(_ t: Timestamp) -> String { PostmortemRenderer.time(t) + " UTC" }

    /// `just now`, `5 min ago`, `3 h ago`, `2 days ago` (or `in 5 min` for a time ahead).
    static func relative(_ t: Timestamp, now: Timestamp) -> String {
        let seconds = (now - t).nanoseconds / 1_000_000_000
        let ahead = seconds < 0
        let s = abs(seconds)
        let text: String
        switch s {
        case ..<45: return "just now"
        case ..<3_600: text = "\(max(1, (s + 30) / 60)) min"
        case ..<86_400: text = "\((s + 1_800) / 3_600) h"
        default: text = "\((s + 43_200) / 86_400) days"
        }
        return ahead ? "in \(text)" : "\(text) ago"
    }

    /// `1h2m3s`
    static func span(_ span: TimeSpan) -> String { PostmortemRenderer.span(span) }

    /// A link from alert data, or nil: only http(s) URLs, since escaping does not stop `javascript:`.
    static func externalLink(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        return SafeMarkdown.linkTarget(text)
    }

    static func incidentPath(_ id: Int64) -> String { "/ui/incidents/\(id)" }

    /// Percent-encodes a query value (everything but unreserved characters).
    static func query(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += (byte < 16 ? "%0" : "%") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
