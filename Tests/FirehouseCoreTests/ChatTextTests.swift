@testable import FirehouseCore
import Testing

struct ChatTextTests {
    @Test(arguments: [
        ("<!channel> disk full", "&lt;!channel&gt; disk full"),
        ("ping <@U123>", "ping &lt;@\u{200B}U123&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("[docs](https://evil.example)", "[docs]\u{200B}(https://evil.example)"),
        ("@here @channel @all", "@\u{200B}here @\u{200B}channel @\u{200B}all"),
        ("a & b", "a &amp; b"),
        ("line1\nline2", "line1 line2"),
        ("line1\r\nline2\u{2028}line3", "line1 line2 line3"),
        ("plain (parens) fine", "plain (parens) fine"),
        // A mark after a bracket makes one Character with it, not "<" or ">" (found by fuzz/FuzzChat).
        ("<\u{301}!channel>\u{200D}", "&lt;\u{301}!channel&gt;\u{200D}"),
        ("cr\rlf\n\u{301}tab\t", "cr lf \u{301}tab "),
    ])
    func escapes(input: String, output: String) {
        #expect(ChatText.escape(input) == output)
    }

    @Test func shortCutsAndMarks() {
        #expect(ChatText.short("abcdef", limit: 3) == "abc…")
    }
}
