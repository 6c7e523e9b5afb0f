extension Unicode.Scalar {
    /// The scalars `Character.isNewline` stands for: LF, VT, FF, CR, NEL, U+2028 and U+2029. Escapers
    /// work on scalars, as the platforms that read their output do (a `Character` can hide a special
    /// scalar behind a combining mark).
    var isLineBreak: Bool {
        switch value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}

extension StringProtocol {
    /// The Unicode scalars with each CRLF as its CR alone: one line break, as the one `Character`
    /// it is, so an escaper that turns line breaks into spaces writes one space for it.
    var scalarsFoldingCRLF: [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(utf8.count)
        var previous: Unicode.Scalar?
        for scalar in unicodeScalars {
            if !(scalar == "\n" && previous == "\r") { out.append(scalar) }
            previous = scalar
        }
        return out
    }
}
