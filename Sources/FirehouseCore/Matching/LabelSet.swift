/// Alert labels or annotations: names to values.
public typealias LabelSet = [String: String]

extension Dictionary where Key == String, Value == String {
    /// Alertmanager's own fingerprint: FNV-1a 64 over the byte-sorted label pairs, each name
    /// and value followed by 0xFF, printed as 16 lowercase hex digits (prometheus/common
    /// `model.LabelSet.Fingerprint`).
    public var alertFingerprint: String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        func add(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        for (name, value) in byteSorted {
            for byte in name.utf8 { add(byte) }
            add(0xFF)
            for byte in value.utf8 { add(byte) }
            add(0xFF)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `{a="1", b="2"}` in byte order of names; stable, so usable as a key and readable in logs.
    public var canonicalText: String {
        "{" + byteSorted.map { "\($0.key)=\($0.value.promQuoted)" }.joined(separator: ", ") + "}"
    }

    /// The pairs in byte order of their names, as Go sorts strings (not Swift's Unicode order).
    var byteSorted: [(key: String, value: String)] {
        sorted { String.utf8Precedes($0.key, $1.key) }
    }
}

extension String {
    /// Whether `a` comes before `b` in the byte order of their UTF-8, compared in place (a label
    /// set's sort ran every comparison through generic iterators, a third of decoding an alert).
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<Swift.min(x.count, y.count) where x[i] != y[i] { return x[i] < y[i] }
                return x.count < y.count
            }
        }
    }

    /// Double-quoted as in PromQL and Alertmanager matchers: `\`, `"` and newline escaped. Works on
    /// scalars, so "\r\n" (one Character) cannot slip through.
    public var promQuoted: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
