extension String {
    /// At most `limit` characters, a cut marked with "…"; and at most 4 × `limit` Unicode scalars,
    /// since one `Character` can carry any number of combining marks (a one-"character" title of
    /// 30,000 scalars would otherwise make a message the chat platform refuses).
    /// Whole characters are kept; only a first character that alone exceeds the scalars is cut inside.
    func cut(to limit: Int) -> String {
        let maxScalars = limit > Int.max / 4 ? Int.max : limit * 4  // some callers pass Int.max: no cut
        var out = ""
        var characters = 0, scalars = 0
        for character in self {
            let size = character.unicodeScalars.count
            if characters == limit || scalars + size > maxScalars {
                if out.isEmpty, characters < limit {
                    return String(String.UnicodeScalarView(character.unicodeScalars.prefix(maxScalars))) + "…"
                }
                return out + "…"
            }
            out.append(character)
            characters += 1
            scalars += size
        }
        return out
    }
}
