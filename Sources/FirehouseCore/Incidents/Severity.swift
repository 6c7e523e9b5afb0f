/// Incident severity, SEV1 (most severe) to SEV4.
public enum Severity: Int, Comparable, Sendable, CaseIterable, Codable {
    case sev1 = 1, sev2, sev3, sev4

    /// A more severe value compares as *greater*, so `max` picks the worst.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue > rhs.rawValue }

    /// `SEV1` ... `SEV4`, the form used in the API and config.
    public var name: String { "SEV\(rawValue)" }

    /// Accepts `SEV1`, `sev1`, `1`.
    public init?(name: String) {
        let lower = name.lowercased()
        let digits = lower.hasPrefix("sev") ? String(lower.dropFirst(3)) : lower
        guard let n = Int(digits), let value = Severity(rawValue: n) else { return nil }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Severity(name: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected SEV1..SEV4, got \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Maps an alert's severity label to an incident severity.
public struct SeverityMap: Sendable, Equatable {
    public var label: String
    public var values: [String: Severity]
    public var unknown: Severity

    public static let `default` = SeverityMap(
        label: "severity",
        values: ["critical": .sev1, "error": .sev2, "warning": .sev3, "info": .sev4],
        unknown: .sev3
    )

    public init(label: String, values: [String: Severity], unknown: Severity) {
        self.label = label
        self.values = values
        self.unknown = unknown
    }

    public func severity(of labels: LabelSet) -> Severity {
        guard let value = labels[label] else { return unknown }
        return values[value] ?? values[value.lowercased()] ?? unknown
    }
}
