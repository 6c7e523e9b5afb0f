extension StringProtocol {
    /// The lines, split at LF and CRLF. "\r\n" is one `Character`, which `split(separator: "\n")`
    /// never matches: a file with Windows line endings was one line.
    public var textLines: [SubSequence] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }
}
