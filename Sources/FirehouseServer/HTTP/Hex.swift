extension Sequence where Element == UInt8 {
    /// Lowercase hex, two digits a byte (digests, MACs, tokens, ETags).
    var hex: String {
        var out = ""
        for byte in self {
            out.append(Self.digits[Int(byte >> 4)])
            out.append(Self.digits[Int(byte & 0x0F)])
        }
        return out
    }

    private static var digits: [Character] { Array("0123456789abcdef") }
}
