/// An Alertmanager (Go RE2) regex checked and translated to the ICU syntax NSRegularExpression runs.
///
/// Alertmanager compiles a matcher value `v` as Go's `regexp.Compile("^(?:" + v + ")$")`, so it is
/// that wrapped pattern which is translated, as a whole: a value such as `a)|(b` then means what it
/// means there ("starts with a, or ends with b"). The output is written so that ICU cannot read it
/// differently: literals other than ASCII letters and digits as `\x{H}`, Go's ASCII Perl classes
/// and `.` as explicit sets, zero-width assertions inside `(?:...)`, no ICU flags but `(?i:...)`.
///
/// Under `(?i)` ICU's case-insensitivity is kept (each literal or class in its own `(?i:...)`).
/// Known difference: ICU can fold fully, one scalar to several, so `(?i)ß` may match "ss" and
/// `(?i)ss` "ß" there; Go folds one scalar to one scalar and matches neither.
public enum RE2Pattern {
    /// The ICU pattern for Alertmanager's `^(?:value)$`, or why Alertmanager would reject `value`.
    public static func icu(anchoring value: String) -> Result<String, RE2Refusal> {
        var lexer = RE2Lexer(value: value)
        do throws(RE2Refusal) {
            return .success(try lexer.translate())
        } catch {
            return .failure(error)
        }
    }
}

/// Why a matcher value is not a regex Alertmanager accepts.
public struct RE2Refusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is refused and where: `look-ahead "(?=" at offset 0 is not RE2 syntax (Alertmanager rejects it)`.
    public let message: String
    /// Offset in Unicode scalars into the value (its length for "at the end").
    public let offset: Int

    public var description: String { message }
}

/// One pass over the scalars of `^(?:value)$`, following Go's `regexp/syntax` parser (Perl flags).
private struct RE2Lexer {
    struct Flags { var foldCase = false, multiLine = false, dotNL = false, ungreedy = false }

    /// An open group and what has been emitted inside it.
    struct Group {
        var flags: Flags
        let open: String
        /// Index in `s` of its "(": 1 for the "(?:" Alertmanager adds, -1 for the top level.
        let start: Int
        var pieces: [String] = []
        /// The piece a quantifier would repeat; nil at the start and after `|` (Go: "missing argument").
        var operand: Int?
        /// The operand is already repeated: only an empty `\Q\E` or `(?i)` can come in between.
        var operandIsRepeat = false
        /// Go's `repeatIsValid`: copies of the innermost thing that counted repeats make, at most 1000.
        var operandSize = 0
        var otherSize = 0

        var size: Int { operand == nil ? otherSize : max(otherSize, operandSize) }

        mutating func add(_ piece: String, size: Int) {
            retire()
            pieces.append(piece)
            operand = pieces.count - 1
            operandIsRepeat = false
            operandSize = size
        }

        mutating func alternate() {
            retire()
            pieces.append("|")
        }

        mutating func retire() {
            if operand != nil { otherSize = max(otherSize, operandSize) }
            operand = nil
        }
    }

    let s: [Unicode.Scalar]
    let valueCount: Int
    var i = 0
    var groups = [Group(flags: Flags(), open: "", start: -1)]
    /// Where the quantifier just before started; Go rejects `a**`, `a*+`, `a{2}{3}`.
    var lastRepeat: Int?
    var closedWrapperAt: Int?
    var closedBySuffix: Int?
    /// What took the ")" Alertmanager appends as a literal, for the "missing )" message.
    var swallowed: String?

    init(value: String) {
        let scalars = Array(value.unicodeScalars)
        s = Array("^(?:".unicodeScalars) + scalars + Array(")$".unicodeScalars)
        valueCount = scalars.count
    }

    var flags: Flags {
        get { groups[groups.count - 1].flags }
        set { groups[groups.count - 1].flags = newValue }
    }

    mutating func translate() throws(RE2Refusal) -> String {
        while i < s.count {
            let start = i
            var repeated = false
            switch s[i] {
            case "(": try openGroup()
            case ")": try closeGroup()
            case "|": i += 1; groups[groups.count - 1].alternate()
            case "^": i += 1; atom(flags.multiLine ? #"(?:\A|(?<=\n))"# : #"(?:\A)"#)
            // Go's `$` is the end of text; ICU's also matches before a final "\n".
            case "$": i += 1; atom(flags.multiLine ? #"(?:\z|(?=\n))"# : #"(?:\z)"#)
            // Go's dot excludes only "\n"; ICU's also "\r", U+0085, U+2028 and U+2029.
            case ".": i += 1; atom(flags.dotNL ? Self.anyScalar : #"[^\x{A}]"#)
            case "[": try characterClass()
            case "*", "+", "?":
                i += 1
                try repeatOperand(String(s[start]), from: start, count: nil)
                repeated = true
            case "{":
                if let counts = repeatCounts(at: i) {
                    try countedRepeat(counts, from: start)
                    repeated = true
                } else {
                    // Go: a "{" that does not start a valid repeat is a literal; ICU rejects it.
                    i += 1
                    literal(0x7B)
                }
            case "\\": try escape()
            default: literal(s[i].value); i += 1
            }
            lastRepeat = repeated ? start : nil
        }
        guard groups.count == 1 else { throw unclosedGroup() }
        return groups[0].pieces.joined()
    }

    // MARK: Groups and flags

    mutating func openGroup() throws(RE2Refusal) {
        let start = i
        guard i + 1 < s.count, s[i + 1] == "?" else {
            i += 1
            try push("(", from: start)
            return
        }
        for (prefix, name) in Self.foreignGroups where hasPrefix(prefix, at: start) {
            throw refuse("\(name) \"\(prefix)\"", at: start)
        }
        if i + 3 < s.count, Self.isDigit(s[i + 2]) || ((s[i + 2] == "+" || s[i + 2] == "-") && Self.isDigit(s[i + 3])) {
            throw refuse("recursion \"\(text(start..<(Self.isDigit(s[i + 2]) ? i + 3 : i + 4)))\"", at: start)
        }
        if hasPrefix("(?P<", at: start) || hasPrefix("(?<", at: start) {
            let nameStart = start + (s[start + 2] == "P" ? 4 : 3)
            guard let close = s[nameStart...].firstIndex(of: ">") else {
                throw refuse("named group \"\(text(start..<nameStart))\"", at: start, "has no \">\" (Alertmanager rejects it)")
            }
            let name = s[nameStart..<close]
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || Self.isASCIIAlnum($0.value) }) else {
                throw refuse("group name \"\(text(nameStart..<close))\"", at: start,
                             "is not an RE2 name: ASCII letters, digits and _ (Alertmanager rejects it)")
            }
            // Names never change what matches (Go allows duplicates too), so a plain group will do.
            i = close + 1
            try push("(", from: start)
            return
        }
        // Go's parsePerlFlags: i m s U, at most one "-" which must be followed by a flag.
        var j = i + 2, newFlags = flags, negated = false, sawFlag = false
        while j < s.count {
            let c = s[j]
            switch c {
            case "i": newFlags.foldCase = !negated; sawFlag = true
            case "m": newFlags.multiLine = !negated; sawFlag = true
            case "s": newFlags.dotNL = !negated; sawFlag = true
            case "U": newFlags.ungreedy = !negated; sawFlag = true
            case "-" where !negated: negated = true; sawFlag = false
            case ":", ")":
                if negated && !sawFlag {
                    throw refuse("flags \"\(text(start...j))\"", at: start, "end in \"-\" (Alertmanager rejects it)")
                }
                i = j + 1
                // This translation applies the flags itself, so ICU gets none: `(?i)` (or an empty `(?)`)
                // emits nothing and `(?i:` becomes `(?:`.
                if c == ":" { try push("(?:", from: start, flags: newFlags) } else { flags = newFlags }
                return
            default:
                let what = c.properties.isAlphabetic ? "flag \"\(c)\" in \"\(text(start...j))\"" : "\"\(text(start...j))\""
                throw refuse(what, at: start, "is not RE2 syntax, whose flags are i, m, s and U (Alertmanager rejects it)")
            }
            j += 1
        }
        throw refuse("\"(?\"", at: start, "is not closed (Alertmanager rejects it)")
    }

    mutating func push(_ open: String, from start: Int, flags: Flags? = nil) throws(RE2Refusal) {
        guard groups.count <= 1001 else { throw refuse("group", at: start, "nests more than 1000 deep (Alertmanager rejects it)") }
        groups.append(Group(flags: flags ?? self.flags, open: open, start: start))
    }

    mutating func closeGroup() throws(RE2Refusal) {
        let at = i
        guard groups.count > 1 else {
            // Only the ")" Alertmanager appends gets here: one of the value's own closed its "(?:".
            throw refuse("unbalanced \")\"", at: closedWrapperAt ?? at, "(Alertmanager rejects it)")
        }
        let group = groups.removeLast()
        if group.start == 1 { closedWrapperAt = at }
        if at == s.count - 2, group.start >= 4 { closedBySuffix = group.start }
        i += 1
        atom(group.open + group.pieces.joined() + ")", size: group.size)
    }

    func unclosedGroup() -> RE2Refusal {
        let note = swallowed.map { "; \($0) takes the \")\" Alertmanager appends as a literal" } ?? ""
        if let open = groups.last(where: { $0.start >= 4 })?.start ?? closedBySuffix {
            return refuse("unbalanced \"(\"", at: open, "has no matching \")\" (Alertmanager rejects it)" + note)
        }
        return refuse("missing \")\"", at: s.count - 2, "(Alertmanager rejects it)" + note)
    }

    // MARK: Repeats

    /// Go's `repeat`: a trailing `?` flips greediness, as `(?U)` does for all of them.
    mutating func repeatOperand(_ op: String, from start: Int, count: (copies: Int, checked: Bool)?) throws(RE2Refusal) {
        var lazy = flags.ungreedy
        if i < s.count, s[i] == "?" { i += 1; lazy.toggle() }
        if let previous = lastRepeat {
            throw refuse("possessive or nested quantifier \"\(text(previous..<i))\"", at: previous)
        }
        let g = groups.count - 1
        guard let operand = groups[g].operand else {
            throw refuse("quantifier \"\(text(start..<i))\"", at: start, "has nothing to repeat (Alertmanager rejects it)")
        }
        var size = groups[g].operandSize
        if let count {
            size = count.copies == 0 ? 0 : count.copies * max(1, size)
            if count.checked && size > 1000 {
                throw refuse("repeat \"\(text(start..<i))\"", at: start,
                             "makes more than 1000 copies with the repeats inside it (Alertmanager rejects it)")
            }
        }
        let piece = groups[g].pieces[operand]
        groups[g].pieces[operand] = (groups[g].operandIsRepeat ? "(?:" + piece + ")" : piece) + op + (lazy ? "?" : "")
        groups[g].operandIsRepeat = true
        groups[g].operandSize = size
    }

    mutating func countedRepeat(_ counts: (min: Int, max: Int?, end: Int), from start: Int) throws(RE2Refusal) {
        let written = text(start..<counts.end)
        if counts.min > 1000 || (counts.max ?? 0) > 1000 {
            throw refuse("repeat count \"\(written)\"", at: start, "is above 1000 (Alertmanager rejects it)")
        }
        if let max = counts.max, counts.min > max {
            throw refuse("repeat count \"\(written)\"", at: start, "has its minimum above its maximum (Alertmanager rejects it)")
        }
        i = counts.end
        let op = counts.max == counts.min ? "{\(counts.min)}" : counts.max.map { "{\(counts.min),\($0)}" } ?? "{\(counts.min),}"
        // Go's repeatIsValid counts `{n,}` as n copies and checks only when a count is 2 or more.
        try repeatOperand(op, from: start, count: (copies: counts.max ?? counts.min, checked: counts.min >= 2 || (counts.max ?? 0) >= 2))
    }

    /// Go's parseRepeat: `{n}`, `{n,}` or `{n,m}`, decimal without leading zeros; nil makes "{" a literal.
    func repeatCounts(at start: Int) -> (min: Int, max: Int?, end: Int)? {
        var j = start + 1
        func decimal() -> Int? {
            let begin = j
            while j < s.count, Self.isDigit(s[j]) { j += 1 }
            guard j > begin, s[begin] != "0" || j - begin == 1 else { return nil }
            // Capped: anything above 1000 is refused anyway.
            return s[begin..<j].reduce(0) { min($0 * 10 + Int($1.value - 0x30), 1_000_000) }
        }
        guard let low = decimal(), j < s.count else { return nil }
        var high: Int? = low
        if s[j] == "," {
            j += 1
            guard j < s.count else { return nil }
            if s[j] == "}" { high = nil } else { guard let h = decimal() else { return nil }; high = h }
        }
        guard j < s.count, s[j] == "}" else { return nil }
        return (min: low, max: high, end: j + 1)
    }

    // MARK: Escapes

    mutating func escape() throws(RE2Refusal) {
        guard i + 1 < s.count else { throw refuse("trailing backslash", at: i, "(Alertmanager rejects it)") }
        switch s[i + 1] {
        case "A": i += 2; atom(#"(?:\A)"#)
        case "z": i += 2; atom(#"(?:\z)"#)
        case "b": i += 2; atom(Self.wordBoundary)
        case "B": i += 2; atom(Self.notWordBoundary)
        case "Q": quote()
        case "p", "P":
            let unicode = try unicodeClass(at: i)
            i = unicode.end
            atom(unicode.set, folds: true)
        case "d", "D", "s", "S", "w", "W":
            atom(Self.perlClass(s[i + 1])!, folds: true)
            i += 2
        default:
            if i + 1 == s.count - 2 { swallowed = "the backslash at offset \(valueCount - 1)" }
            let (scalar, end) = try escapedScalar(at: i)
            i = end
            literal(scalar)
        }
    }

    /// Go's parseEscape: the literal an escape stands for, and the index after it.
    func escapedScalar(at j: Int) throws(RE2Refusal) -> (UInt32, Int) {
        guard j + 1 < s.count else { throw refuse("trailing backslash", at: j, "(Alertmanager rejects it)") }
        let c = s[j + 1]
        // Go: escaped ASCII punctuation (and "_", space) is always itself.
        if c.isASCII && !Self.isASCIIAlnum(c.value) { return (c.value, j + 2) }
        if Self.isDigit(c) {
            // Go: \0 and \1..\7 followed by an octal digit are octal (up to 3 digits); \1..\9 alone are
            // back-references, which RE2 does not have.
            guard c == "0" || (Self.isOctal(c) && j + 2 < s.count && Self.isOctal(s[j + 2])) else {
                throw refuse("back-reference \"\\\(c)\"", at: j)
            }
            var value: UInt32 = 0, k = j + 1
            while k < j + 4, k < s.count, Self.isOctal(s[k]) {
                value = value * 8 + s[k].value - 0x30
                k += 1
            }
            return (value, k)
        }
        switch c {
        case "x": return try hexEscape(at: j)
        case "a": return (0x7, j + 2)
        case "f": return (0xC, j + 2)
        case "n": return (0xA, j + 2)
        case "r": return (0xD, j + 2)
        case "t": return (0x9, j + 2)
        case "v": return (0xB, j + 2)
        case "d", "D", "s", "S", "w", "W", "p", "P", "A", "z", "b", "B", "Q":
            throw refuse("escape \"\\\(c)\"", at: j, "is not allowed in a character class or range (Alertmanager rejects it)")
        default:
            guard c.isASCII else { throw refuse("backslash before non-ASCII \"\(c)\"", at: j) }
            let hint = Self.escapeHints[c].map { "; \($0)" } ?? ""
            let name = Self.foreignEscapes[c] ?? "unknown escape"
            throw refuse("\(name) \"\\\(c)\"", at: j, "is not RE2 syntax (Alertmanager rejects it)" + hint)
        }
    }

    /// `\xHH` or `\x{H...}` up to U+10FFFF (Go also takes surrogates, which then never match).
    func hexEscape(at j: Int) throws(RE2Refusal) -> (UInt32, Int) {
        var k = j + 2
        if k < s.count, s[k] == "{" {
            var value: UInt32 = 0, digits = 0
            k += 1
            while k < s.count, s[k] != "}" {
                guard let digit = Self.hexDigit(s[k]), value <= 0x10FFFF else { break }
                value = value * 16 + digit
                digits += 1
                k += 1
            }
            guard k < s.count, s[k] == "}", digits > 0, value <= 0x10FFFF else {
                throw refuse("hex escape \"\(text(j..<min(k + 1, s.count)))\"", at: j,
                             "needs hex digits up to 10FFFF and a \"}\" (Alertmanager rejects it)")
            }
            return (value, k + 1)
        }
        guard k + 1 < s.count, let high = Self.hexDigit(s[k]), let low = Self.hexDigit(s[k + 1]) else {
            throw refuse("hex escape \"\(text(j..<min(k + 1, s.count)))\"", at: j, "needs two hex digits or braces (Alertmanager rejects it)")
        }
        return (high * 16 + low, k + 2)
    }

    /// Go's `\Q...\E`: everything up to the first `\E`, or to the very end, is literal.
    mutating func quote() {
        let start = i
        var j = i + 2
        while j < s.count, !(s[j] == "\\" && j + 1 < s.count && s[j + 1] == "E") {
            literal(s[j].value)
            j += 1
        }
        if j < s.count {
            i = j + 2
        } else {
            i = j
            swallowed = "\\Q at offset \(start - 4) has no \\E and"
        }
    }

    /// `\pL`, `\p{Greek}`, `\P{^Lu}`: Go's names, case-sensitive, as ICU properties.
    func unicodeClass(at j: Int) throws(RE2Refusal) -> (set: String, end: Int) {
        var negated = s[j + 1] == "P"
        guard j + 2 < s.count else { throw refuse("Unicode class \"\(text(j..<j + 2))\"", at: j, "has no name (Alertmanager rejects it)") }
        var name = s[(j + 2)...(j + 2)]
        var end = j + 3
        if s[j + 2] == "{" {
            guard let close = s[(j + 3)...].firstIndex(of: "}") else {
                throw refuse("Unicode class \"\(text(j..<j + 3))\"", at: j, "has no \"}\" (Alertmanager rejects it)")
            }
            name = s[(j + 3)..<close]
            end = close + 1
        }
        if name.first == "^" {
            negated.toggle()
            name = name.dropFirst()
        }
        let written = String(String.UnicodeScalarView(name))
        switch written {
        case "Any": return (negated ? #"[^\x{0}-\x{10FFFF}]"# : Self.anyScalar, end)
        // Go's C is Cc, Cf, Co and Cs; ICU's also has Cn (unassigned).
        case "C": return ((negated ? "[^" : "[") + #"\p{gc=Cc}\p{gc=Cf}\p{gc=Co}\p{gc=Cs}]"#, end)
        case _ where Self.categories.contains(written): return ((negated ? #"\P"# : #"\p"#) + "{gc=\(written)}", end)
        case _ where Self.scripts.contains(written): return ((negated ? #"\P"# : #"\p"#) + "{sc=\(written)}", end)
        default:
            throw refuse("Unicode class \"\(text(j..<end))\"", at: j,
                         "is not a Go category or script name (Alertmanager rejects it)")
        }
    }

    // MARK: Character classes

    /// Go's parseClass. Members go out as `\x{H}`, so ICU's `&&`, `--` and nested `[` mean nothing;
    /// class escapes and POSIX classes go out as nested sets, which ICU unions.
    mutating func characterClass() throws(RE2Refusal) {
        let start = i
        var j = i + 1
        let negated = j < s.count && s[j] == "^"
        if negated { j += 1 }
        var body = ""
        var first = true  // Go: "]" first in a class is a literal
        while true {
            guard j < s.count else { throw refuse("unclosed \"[\"", at: start, "has no \"]\" (Alertmanager rejects it)") }
            if s[j] == "]" && !first { break }
            first = false
            if let named = try posixClass(at: j) {
                body += named.set
                j = named.end
                continue
            }
            if s[j] == "\\", j + 1 < s.count {
                if s[j + 1] == "p" || s[j + 1] == "P" {
                    let unicode = try unicodeClass(at: j)
                    body += unicode.set
                    j = unicode.end
                    continue
                }
                if let perl = Self.perlClass(s[j + 1]) {
                    body += perl
                    j += 2
                    continue
                }
            }
            let (low, afterLow) = try classMember(at: j, classStart: start)
            // Go: "-" before "]" is a literal, as in [a-].
            guard afterLow + 1 < s.count, s[afterLow] == "-", s[afterLow + 1] != "]" else {
                body += Self.hex(low)
                j = afterLow
                continue
            }
            let (high, afterHigh) = try classMember(at: afterLow + 1, classStart: start)
            guard high >= low else {
                throw refuse("range \"\(text(j..<afterHigh))\"", at: j, "is reversed (Alertmanager rejects it)")
            }
            body += Self.hex(low) + "-" + Self.hex(high)
            j = afterHigh
        }
        i = j + 1
        atom("[" + (negated ? "^" : "") + body + "]", folds: true)
    }

    func classMember(at j: Int, classStart: Int) throws(RE2Refusal) -> (UInt32, Int) {
        guard j < s.count else { throw refuse("unclosed \"[\"", at: classStart, "has no \"]\" (Alertmanager rejects it)") }
        return try s[j] == "\\" ? escapedScalar(at: j) : (s[j].value, j + 1)
    }

    /// Go's parseNamedClass: `[:alpha:]`, `[:^alpha:]`, ASCII only. Go takes the first ":]" after
    /// "[:", even past the class's own "]".
    func posixClass(at j: Int) throws(RE2Refusal) -> (set: String, end: Int)? {
        guard j + 2 < s.count, s[j] == "[", s[j + 1] == ":" else { return nil }
        var k = j + 2
        while k + 1 < s.count, !(s[k] == ":" && s[k + 1] == "]") { k += 1 }
        guard k + 1 < s.count else { return nil }
        var name = text((j + 2)..<k)
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let ranges = Self.posixClasses[name] else {
            throw refuse("POSIX class \"\(text(j..<(k + 2)))\"", at: j, "is not one RE2 knows (Alertmanager rejects it)")
        }
        return (Self.classSet(ranges, negated: negated), k + 2)
    }

    // MARK: Emitting

    mutating func atom(_ icu: String, folds: Bool = false, size: Int = 0) {
        let piece = folds && flags.foldCase ? "(?i:" + icu + ")" : icu
        groups[groups.count - 1].add(piece, size: size)
    }

    mutating func literal(_ scalar: UInt32) {
        atom(Self.isASCIIAlnum(scalar) ? String(Character(Unicode.Scalar(UInt8(scalar)))) : Self.hex(scalar), folds: true)
    }

    func hasPrefix(_ prefix: String, at j: Int) -> Bool {
        let p = Array(prefix.unicodeScalars)
        return j + p.count <= s.count && Array(s[j..<(j + p.count)]) == p
    }

    func text<R: RangeExpression>(_ range: R) -> String where R.Bound == Int {
        let r = range.relative(to: s).clamped(to: 0..<s.count)
        return String(String.UnicodeScalarView(s[r]))
    }

    /// `what at offset N why`, the offset counted in the value (the wrapper's "^(?:" is 4 scalars).
    func refuse(_ what: String, at index: Int, _ why: String = "is not RE2 syntax (Alertmanager rejects it)") -> RE2Refusal {
        let offset = min(max(index - 4, 0), valueCount)
        return RE2Refusal(message: "\(what) at offset \(offset) \(why)", offset: offset)
    }

    // MARK: Tables

    static func isDigit(_ c: Unicode.Scalar) -> Bool { (0x30...0x39).contains(c.value) }
    static func isOctal(_ c: Unicode.Scalar) -> Bool { (0x30...0x37).contains(c.value) }
    static func isASCIIAlnum(_ v: UInt32) -> Bool { (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) }

    static func hexDigit(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: c.value - 0x30
        case 0x61...0x66: c.value - 0x61 + 10
        case 0x41...0x46: c.value - 0x41 + 10
        default: nil
        }
    }

    static func hex(_ v: UInt32) -> String { "\\x{" + String(v, radix: 16, uppercase: true) + "}" }

    static func classSet(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> String {
        let body = ranges.map { $0.count == 1 ? hex($0.lowerBound) : hex($0.lowerBound) + "-" + hex($0.upperBound) }
        return "[" + (negated ? "^" : "") + body.joined() + "]"
    }

    /// Go's Perl classes are ASCII; ICU's `\d`, `\s`, `\w` are Unicode. Go's `\s` has no "\v".
    static func perlClass(_ c: Unicode.Scalar) -> String? {
        switch c {
        case "d", "D": classSet(posixClasses["digit"]!, negated: c == "D")
        case "s", "S": classSet([0x9...0xA, 0xC...0xD, 0x20...0x20], negated: c == "S")
        case "w", "W": classSet(posixClasses["word"]!, negated: c == "W")
        default: nil
        }
    }

    static let posixClasses: [String: [ClosedRange<UInt32>]] = [
        "alnum": [0x30...0x39, 0x41...0x5A, 0x61...0x7A], "alpha": [0x41...0x5A, 0x61...0x7A],
        "ascii": [0x0...0x7F], "blank": [0x9...0x9, 0x20...0x20], "cntrl": [0x0...0x1F, 0x7F...0x7F],
        "digit": [0x30...0x39], "graph": [0x21...0x7E], "lower": [0x61...0x7A], "print": [0x20...0x7E],
        "punct": [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E], "space": [0x9...0xD, 0x20...0x20],
        "upper": [0x41...0x5A], "word": [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A],
        "xdigit": [0x30...0x39, 0x41...0x46, 0x61...0x66],
    ]

    static let anyScalar = #"[\x{0}-\x{10FFFF}]"#
    // Go's \b is ASCII: a change between [0-9A-Za-z_] and anything else (or an end).
    static let wordBoundary = #"(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"#
    static let notWordBoundary = #"(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))"#

    /// PCRE/ICU group syntax Go rejects; checked before named groups, so "(?<=" is no group name.
    static let foreignGroups: [(String, String)] = [
        ("(?<=", "look-behind"), ("(?<!", "negative look-behind"), ("(?=", "look-ahead"), ("(?!", "negative look-ahead"),
        ("(?>", "atomic group"), ("(?#", "comment"), ("(?|", "branch reset"), ("(?(", "conditional"),
        ("(?R", "recursion"), ("(?&", "recursion"), ("(?P>", "recursion"), ("(?P=", "named back-reference"),
        ("(?'", "quoted group name (write (?P<name>...))"),
    ]

    static let foreignEscapes: [Unicode.Scalar: String] = [
        "C": "any-byte escape", "k": "named back-reference", "g": "back-reference or subroutine call", "G": "match-start anchor",
        "Z": "end anchor", "X": "grapheme-cluster escape", "R": "line-break escape", "h": "horizontal-space class",
        "H": "non-horizontal-space class", "V": "non-vertical-space class", "K": "match reset", "e": "escape-character escape",
        "c": "control-character escape", "N": "named-character escape", "u": "\\u escape", "U": "\\U escape",
        "E": "\\E without \\Q", "o": "octal escape",
    ]

    static let escapeHints: [Unicode.Scalar: String] = [
        "Z": "use \\z, which RE2 has (Alertmanager's $ already means the very end)", "e": "use \\x{1B}",
        "u": "use \\x{...}", "U": "use \\x{...}", "N": "use \\x{...}", "o": "use \\x{...}",
    ]

    /// Go's unicode.Categories (C is handled apart: its meaning differs from ICU's).
    static let categories: Set<String> = [
        "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe",
        "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs",
    ]

    /// Go's unicode.Scripts (Unicode 15), spelled exactly as Go spells them.
    static let scripts = Set("""
        Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bhaiksuki
        Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee
        Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan
        Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi
        Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inherited
        Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi
        Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani
        Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui
        Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari
        New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian
        Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong
        Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian
        Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le
        Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai
        Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
}
