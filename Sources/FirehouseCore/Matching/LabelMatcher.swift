import Foundation

/// One Alertmanager label matcher: `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`.
/// Regexes are fully anchored, as in Alertmanager. An absent label matches as the empty string.
public struct LabelMatcher: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~"
    }

    public var name: String
    public var op: Operator
    public var value: String
    private let compiled: CompiledRegex?

    public init(name: String, op: Operator, value: String) throws(MatcherError) {
        guard Self.isValidName(name) else { throw .invalidName(name) }
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .regex, .notRegex: compiled = try CompiledRegex(anchoring: value)
        case .equal, .notEqual: compiled = nil
        }
    }

    public func matches(_ labels: LabelSet) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .regex: return compiled!.matches(actual)
        case .notRegex: return !compiled!.matches(actual)
        }
    }

    public var isEquality: Bool { op == .equal }

    public var description: String { "\(name)\(op.rawValue)\(value.promQuoted)" }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

/// Why a matcher is not valid.
public enum MatcherError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidName(String)
    case missingOperator(String)
    case badQuoting(String)
    case invalidRegex(String, reason: String)

    public var description: String {
        switch self {
        case .invalidName(let name): "invalid label name \"\(name)\""
        case .missingOperator(let text): "no operator (=, !=, =~, !~) in \"\(text)\""
        case .badQuoting(let text): "bad quoting in \"\(text)\""
        case .invalidRegex(let value, let reason): "invalid regex \"\(value)\": \(reason)"
        }
    }
}

/// A compiled, fully anchored regex with Alertmanager's (Go RE2) meaning: `RE2Pattern` refuses what Go
/// rejects and translates the rest, anchors included, to ICU. NSRegularExpression is immutable and safe
/// to share across threads.
struct CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    /// The alternatives of a pattern that is only literals joined by `|` (`alertname=~"A|B"`, the
    /// usual regex in routes and runbooks): a set lookup instead of ICU, which first copies the
    /// text to UTF-16 (thousands of instructions per call, on every alert against every runbook).
    let literals: Set<String>?

    /// ASCII that is itself in RE2 and ICU (no metacharacter), so an anchored alternation of such
    /// words matches exactly the words: text of the same bytes. (String equality is canonical
    /// equivalence: the Kelvin sign equals "K", so text that is not ASCII never matches.)
    static func isLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: " "):
            return true
        default:
            return false
        }
    }

    init(anchoring pattern: String) throws(MatcherError) {
        let icu: String
        switch RE2Pattern.icu(anchoring: pattern) {
        case .success(let translated): icu = translated
        case .failure(let refusal): throw .invalidRegex(pattern, reason: refusal.description)
        }
        do {
            regex = try NSRegularExpression(pattern: icu, options: [])
        } catch {
            throw .invalidRegex(pattern, reason: "does not compile")
        }
        literals = pattern.utf8.allSatisfy { $0 == UInt8(ascii: "|") || Self.isLiteral($0) }
            ? Set(pattern.split(separator: "|", omittingEmptySubsequences: false).map(String.init)) : nil
    }

    func matches(_ text: String) -> Bool {
        guard let literals else { return regexMatches(text) }
        return text.utf8.allSatisfy { $0 < 0x80 } && literals.contains(text)
    }

    func regexMatches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }
}
