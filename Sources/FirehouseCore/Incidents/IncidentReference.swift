/// Incident references as people write them: `12`, `#12`, `INC-12` (any case).
public enum IncidentReference {
    public static func parse(_ text: String) -> Int64? {
        var rest = Substring(text)
        if rest.hasPrefix("#") { rest = rest.dropFirst() }
        if rest.uppercased().hasPrefix("INC-") { rest = rest.dropFirst(4) }
        guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(rest), id > 0 else { return nil }
        return id
    }

    public static func format(_ id: Int64) -> String { "INC-\(id)" }
}
