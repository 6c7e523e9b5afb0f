@testable import FirehouseCore
import Testing

struct RE2PatternTests {
    /// (matcher value, text the refusal must contain): syntax Go's regexp (RE2) rejects.
    @Test(arguments: [
        ("(?=a)b", #"look-ahead "(?=" at offset 0 is not RE2 syntax"#),
        ("(?!a)b", "negative look-ahead"),
        ("(?<=a)b", #"look-behind "(?<=""#),
        ("x(?<!a)b", "negative look-behind \"(?<!\" at offset 1"),
        (#"(a)\1"#, #"back-reference "\1" at offset 3"#),
        (#"\9"#, "back-reference"),
        ("a*+", #"possessive or nested quantifier "*+" at offset 1"#),
        ("a++", "possessive or nested quantifier"),
        ("a**", "possessive or nested quantifier"),
        ("a{2}{3}", #"nested quantifier "{2}{3}""#),
        (#"a\Z"#, #"use \z"#),
        ("(?x)a", #"flag "x""#),
        ("(?i-)a", #"end in "-""#),
        ("(a", #"unbalanced "(" at offset 0"#),
        ("a)", #"unbalanced ")" at offset 1"#),
        ("a{1001}", "above 1000"),
        ("a{3,2}", "minimum above its maximum"),
        ("(a{100}){11}", "more than 1000 copies"),
        ("*a", "nothing to repeat"),
        ("a|*", "nothing to repeat"),
        ("[a", #"unclosed "[""#),
        ("[z-a]", "reversed"),
        (#"\p{Greekish}"#, "not a Go category or script name"),
        (#"\p{greek}"#, "not a Go category or script name"),
        ("[[:alfa:]]", "POSIX class"),
        (#"\x4"#, "two hex digits"),
        ("\\\u{E9}", "non-ASCII"),
        (#"\Qabc"#, #"\Q at offset 0 has no \E"#),
        (#"a\"#, "the backslash at offset 1"),
        ("(?P<a-b>x)", "group name"),
        ("(?>a)", "atomic group"),
        ("(?#note)a", "comment"),
        ("(?|a)", "branch reset"),
        ("(?(1)a)", "conditional"),
        ("(?R)", "recursion"),
        ("(?1)", "recursion"),
        ("(?P>n)", "recursion"),
        ("(?P=n)", "named back-reference"),
        ("(?'n'a)", "quoted group name"),
        (#"\k<n>"#, "named back-reference"),
        (#"\G"#, "match-start anchor"),
        (#"\X"#, "grapheme-cluster escape"),
        (#"\C"#, "any-byte escape"),
        (#"\cA"#, "control-character escape"),
        (#"\u0041"#, #"\u escape"#),
        (#"\e"#, #"use \x{1B}"#),
        (#"\q"#, "unknown escape"),
        (#"[\b]"#, "not allowed in a character class"),
    ])
    func refuses(value: String, expected: String) {
        switch RE2Pattern.icu(anchoring: value) {
        case .success(let icu): Issue.record("\(value) was translated to \(icu)")
        case .failure(let refusal):
            #expect(refusal.message.contains(expected), "\(value): \(refusal.message)")
            #expect(refusal.description == refusal.message)
        }
    }

    struct Behaviour: Sendable, CustomTestStringConvertible {
        let pattern: String, input: String, matches: Bool
        init(_ pattern: String, _ input: String, _ matches: Bool) {
            self.pattern = pattern
            self.input = input
            self.matches = matches
        }
        var testDescription: String { "\(pattern) vs \(input.debugDescription)" }
    }

    /// Each as Alertmanager (Go) decides it, through the matcher Firehouse uses.
    @Test(arguments: [
        Behaviour("a", "a\n", false),                     // Go's $ is the end of text; ICU's allowed a final "\n"
        Behaviour("a", "a", true),
        Behaviour("(?P<x>ab)c", "abc", true),
        Behaviour("(?<x>ab)c", "abc", true),
        Behaviour(#"\pL+"#, "h\u{E9}llo", true),
        Behaviour(#"\p{Greek}+"#, "\u{3B1}\u{3B2}", true),
        Behaviour(#"\p{^Greek}"#, "a", true),
        Behaviour(#"\PL"#, "1", true),
        Behaviour(#"\d+"#, "\u{663}", false),             // Go's \d is ASCII
        Behaviour(#"\w+"#, "\u{E9}", false),
        Behaviour(#"\s"#, "\u{B}", false),                // Go's \s has no vertical tab
        Behaviour(#"\v"#, "\u{B}", true),
        Behaviour("[[:alpha:]]+", "abc", true),
        Behaviour("[[:^alpha:]]", "1", true),
        Behaviour("[a&&b]", "&", true),                   // literal & in Go, intersection in ICU
        Behaviour(#"[a\-b]"#, "-", true),
        Behaviour("[]a]", "]", true),
        Behaviour("[a-]", "-", true),
        Behaviour(#"[\d.]+"#, "1.5", true),
        Behaviour("a.c", "a\rc", true),                   // Go's dot matches "\r"
        Behaviour(".", "\u{2028}", true),
        Behaviour("(?s)a.c", "a\nc", true),
        Behaviour("a.c", "a\nc", false),
        Behaviour("(?i)abc", "ABC", true),
        Behaviour("(?i:a)b", "AB", false),
        Behaviour("(?U)a+", "aaa", true),                 // anchored, so still the whole value
        Behaviour(#"\101"#, "A", true),                   // octal
        Behaviour(#"\12"#, "\n", true),
        Behaviour(#"\x{00000041}"#, "A", true),
        Behaviour("a{", "a{", true),                      // not a repeat: a literal "{"
        Behaviour("a{,2}", "a{,2}", true),
        Behaviour("a}", "a}", true),
        Behaviour("a{2}", "aa", true),
        Behaviour("a)|(b", "axx", true),                  // Alertmanager's wrapping: "^(?:a)|(b)$"
        Behaviour("a)|(b", "xxb", true),
        Behaviour("a)|(b", "xax", false),
        Behaviour(".*", "", true),
        Behaviour("", "", true),
        Behaviour("foo|bar", "bar", true),
        Behaviour("[^a]", "\n", true),
        Behaviour(#"(?m)a$\n^b"#, "a\nb", true),
        Behaviour(#"\Q.*\E"#, ".*", true),
        Behaviour(#"\Q.*\E"#, "ab", false),
        Behaviour(#"a\b"#, "a", true),
        Behaviour("^*a", "a", true),                      // Go repeats an assertion; ICU needs it in a group
    ])
    func behavesAsInAlertmanager(_ c: Behaviour) throws {
        let matcher = try LabelMatcher(name: "l", op: .regex, value: c.pattern)
        #expect(matcher.matches(["l": c.input]) == c.matches)
    }

    /// Every regex value shipped in runbooks/, deploy/ and the fuzz corpus, with a value it must match.
    @Test(arguments: [
        ("KafkaUnderReplicatedPartitions|KafkaOfflinePartitions", "KafkaOfflinePartitions"),
        ("redis-.*", "redis-0"),
        ("critical|error", "error"),
        ("checkout-.*", "checkout-7f9"),
        ("data-mysql-.*", "data-mysql-0"),
        ("Kafka.*", "KafkaBrokerDown"),
        (#"Kafka\w+Down"#, "KafkaBrokerDown"),
        ("kaf.a", "kafka"),
    ])
    func shippedRegexesStillWork(value: String, sample: String) throws {
        guard case .success = RE2Pattern.icu(anchoring: value) else {
            Issue.record("\(value) was refused")
            return
        }
        #expect(try LabelMatcher(name: "l", op: .regex, value: value).matches(["l": sample]))
    }

    @Test func translationCarriesTheAnchors() {
        #expect(RE2Pattern.icu(anchoring: "a") == .success(#"(?:\A)(?:a)(?:\z)"#))
        #expect(RE2Pattern.icu(anchoring: "(?P<n>x)") == .success(#"(?:\A)(?:(x))(?:\z)"#))
        #expect(RE2Pattern.icu(anchoring: "(?=a)") == .failure(RE2Refusal(
            message: #"look-ahead "(?=" at offset 0 is not RE2 syntax (Alertmanager rejects it)"#, offset: 0)))
    }

    @Test func matcherErrorCarriesTheRefusal() {
        let reason = #"look-ahead "(?=" at offset 0 is not RE2 syntax (Alertmanager rejects it)"#
        #expect(throws: MatcherError.invalidRegex("(?=a)", reason: reason)) {
            try LabelMatcher(parsing: #"alertname=~"(?=a)""#)
        }
    }
}
