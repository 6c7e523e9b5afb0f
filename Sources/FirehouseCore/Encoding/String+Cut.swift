extension String {
    /// At most `limit` characters, a cut marked with "…"; and at most 4 × `limit` Unicode scalars,
    /// since one `Character` can carry any number of combining marks (a one-"character" title of
    /// 30,000 scalars would otherwise make a message the chat platform refuses).
    func cut(to limit: Int) -> String {
        var cut = count > limit ? String(prefix(limit)) + "…" : self
        let scalars = limit > Int.max / 4 ? Int.max : limit * 4  // some callers pass Int.max: no cut
        if cut.unicodeScalars.count > scalars {
            cut = String(String.UnicodeScalarView(cut.unicodeScalars.prefix(scalars))) + "…"
        }
        return cut
    }
}
