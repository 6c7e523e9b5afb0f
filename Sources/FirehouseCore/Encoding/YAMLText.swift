/// YAML scalars written by hand, always double-quoted: no value can change type, lose text to a
/// comment or trimming, or add a key by carrying a line break.
public enum YAMLText {
    private static let hex = Array("0123456789ABCDEF".unicodeScalars)

    /// `value` as a one-line YAML double-quoted scalar. Escaped by Unicode scalar, as libyaml reads
    /// it: `\` and `"`, every line break (a raw one would fold into a space), and whatever YAML may
    /// not carry raw (C0 and C1 controls, DEL, U+FEFF, U+FFFE, U+FFFF).
    public static func quoted(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        func escape(_ letter: Unicode.Scalar, digits: Int = 0, of code: UInt32 = 0) {
            out.append("\\")
            out.append(letter)
            for shift in stride(from: 4 * (digits - 1), through: 0, by: -4) { out.append(hex[Int(code >> UInt32(shift) & 0xF)]) }
        }
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x5C: escape("\\")
            case 0x22: escape("\"")
            case 0x09: escape("t")
            case 0x0A: escape("n")
            case 0x0D: escape("r")
            case 0x85: escape("N")
            case 0x2028: escape("L")
            case 0x2029: escape("P")
            case 0..<0x20, 0x7F...0x9F: escape("x", digits: 2, of: scalar.value)
            case 0xFEFF, 0xFFFE, 0xFFFF: escape("u", digits: 4, of: scalar.value)
            default: out.append(scalar)
            }
        }
        out.append("\"")
        return String(out)
    }
}
