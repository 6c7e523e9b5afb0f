
/// Label sets stored as compact JSON objects with sorted keys.
public enum JSONText {
    /// Hot path of ingest (every alert's labels and annotations): works on UTF-8 bytes.
    public static func encode(_ labels: [String: String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(64 * labels.count + 2)
        var first = true
        // The pairs sorted, not the keys: no second hash lookup per label.
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONString.append(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONString.append(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Read path, and ingest's lookup of stored episodes: a flat parse straight into the dictionary;
    /// a value that is not a string (never written by `encode`) falls back to the full parser.
    public static func decode(_ text: String) -> [String: String] {
        if let map = JSONValue.parseStringMap(text) { return map }
        guard case .object(let members)? = try? JSONValue.parse(text.utf8) else { return [:] }
        var labels = [String: String](minimumCapacity: members.count)
        for (name, value) in members {
            if case .string(let text) = value { labels[name] = text }
        }
        return labels
    }
}
