/// Reads command text word by word. A word that starts with a quote ("…", '…', “…”, ‘…’) runs to
/// the closing quote; quotes inside a word are literal (so "it's" stays one word). Free text is taken
/// raw with `rest()`, so notes and titles keep their spacing and punctuation.
public struct CommandScanner: Sendable {
    private let text: Substring
    private var index: Substring.Index

    public init(_ text: String) {
        self.text = Substring(text)
        self.index = self.text.startIndex
    }

    private mutating func skipSpaces() {
        while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
    }

    public var isAtEnd: Bool {
        var copy = self
        copy.skipSpaces()
        return copy.index == copy.text.endIndex
    }

    /// The next word, or nil at the end.
    public mutating func word() throws(ChatParseError) -> String? {
        skipSpaces()
        guard index < text.endIndex else { return nil }
        if let close = Self.closing(text[index]) {
            let start = text.index(after: index)
            guard let end = text[start...].firstIndex(of: close) else { throw .unbalancedQuote }
            index = text.index(after: end)
            return String(text[start..<end])
        }
        let start = index
        while index < text.endIndex, !text[index].isWhitespace { index = text.index(after: index) }
        return String(text[start..<index])
    }

    /// Everything left, trimmed; one pair of surrounding quotes is removed.
    public mutating func rest() -> String {
        skipSpaces()
        var rest = String(text[index...].trimmingWhitespace())
        index = text.endIndex
        if let first = rest.first, let close = Self.closing(first), rest.count >= 2, rest.last == close {
            rest = String(rest.dropFirst().dropLast())
        }
        return rest
    }

    static func closing(_ open: Character) -> Character? {
        switch open {
        case "\"": "\""
        case "'": "'"
        case "\u{201C}": "\u{201D}"
        case "\u{2018}": "\u{2019}"
        default: nil
        }
    }
}

/// Why a command could not be parsed; the reply shows it with the command's usage.
public enum ChatParseError: Error, Equatable, Sendable {
    case empty
    case unbalancedQuote
    case unknownCommand(String)
    case badArgument(command: String, message: String)
    case tooLong(limit: Int)
}
