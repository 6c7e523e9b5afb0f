extension StringProtocol {
    /// The lines, split at LF, CRLF and a lone CR, as YAML and CommonMark split them. "\r\n" is one
    /// `Character`, which `split(separator: "\n")` never matches (a file with Windows line endings
    /// was one line); a `Character` equal to "\r" is a CR that no LF follows.
    public var textLines: [SubSequence] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }
}
