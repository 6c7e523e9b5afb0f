import FirehouseCore
import Foundation
import Testing

/// Markdown from alerts, chat, runbooks and templates becomes HTML that cannot run anything.
struct SafeMarkdownTests {
    static let cases: [(String, String)] = [
        ("# Title", "<h1>Title</h1>\n"),
        ("## Sub ##", "<h2>Sub</h2>\n"),
        ("#NoSpace", "<p>#NoSpace</p>\n"),
        ("one\ntwo\n\nthree", "<p>one two</p>\n<p>three</p>\n"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"),
        ("> quoted\n> more", "<blockquote><p>quoted more</p></blockquote>\n"),
        ("---", "<hr>\n"),
        ("```\n<b>x</b>\n```", "<pre tabindex=\"0\"><code>&lt;b&gt;x&lt;/b&gt;</code></pre>\n"),
        ("| a | b |\n|---|---|\n| 1 | 2 \\| 3 |", "<div class=\"table\"><table>\n<thead><tr><th>a</th><th>b</th></tr></thead>\n<tbody>\n<tr><td>1</td><td>2 | 3</td></tr>\n</tbody></table></div>\n"),
        ("**bold** and *em* and `co<de>`", "<p><strong>bold</strong> and <em>em</em> and <code>co&lt;de&gt;</code></p>\n"),
        ("[site](https://example.com/a?b=1&c=2)", "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">site</a></p>\n"),
        ("[page](/ui/incidents/3)", "<p><a href=\"/ui/incidents/3\" rel=\"noopener noreferrer\">page</a></p>\n"),
        // Hostile input: raw HTML is text, scripts and handlers never become markup, only http(s) links survive.
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"),
        ("[click](javascript:alert(1))", "<p>click</p>\n"),
        ("[click](JavaScript:alert(1))", "<p>click</p>\n"),
        ("[click](data:text/html,<script>)", "<p>click</p>\n"),
        ("[click](//evil.example/x)", "<p>click</p>\n"),
        ("[click](https://x\" onmouseover=\"alert(1))", "<p>click</p>\n"),
        ("a \" quote ' and & amp", "<p>a &quot; quote &#39; and &amp; amp</p>\n"),
        ("&lt;b&gt; stays text", "<p>&lt;b&gt; stays text</p>\n"),
        ("see <https://example.com/x?a=1&b=2> and <javascript:alert(1)> and <b>", "<p>see <a href=\"https://example.com/x?a=1&amp;b=2\" rel=\"noopener noreferrer\">https://example.com/x?a=1&amp;b=2</a> and &lt;javascript:alert(1)&gt; and &lt;b&gt;</p>\n"),
        ("**unclosed and *also", "<p>**unclosed and *also</p>\n"),
        ("a [b [c](https://x.example) d", "<p>a [b <a href=\"https://x.example\" rel=\"noopener noreferrer\">c</a> d</p>\n"),
        ("trailing \\", "<p>trailing \\</p>\n"),
        ("- item\n  ```sh\n  kubectl get pods\n  ```\n- next", "<ul>\n<li>item<pre tabindex=\"0\"><code>kubectl get pods</code></pre></li>\n<li>next</li>\n</ul>\n"),
    ]

    @Test(arguments: cases) func renders(_ markdown: String, _ html: String) {
        #expect(SafeMarkdown.html(markdown) == html)
    }

    /// Whatever `MarkdownText.inline` escaped reads back as exactly the original text: the two are
    /// one contract (Firehouse writes drafts with one and shows them with the other).
    @Test(arguments: [
        "plain", "#1 <b>bold</b> & *stars* _under_ `tick` [link](javascript:x) | pipe ~ tilde \\ back",
        "1. not a list", "- not a list", "+ plus", "= equals", "x\" onmouseover=\"alert(1)", "<script>alert(1)</script>",
        "ünïcödé ✓ 🔥", "&amp; already", "a**b**c", "[x](https://ok)",
    ])
    func escapedTextReadsBackAsText(_ text: String) {
        #expect(SafeMarkdown.html(MarkdownText.inline(text)) == "<p>\(HTMLText.escape(text))</p>\n")
    }

    @Test func windowsLineEndingsRenderAsLineFeeds() {
        let markdown = "# Title\n\n- one\n- two\n\n```\ncode\n```\n"
        #expect(SafeMarkdown.html(markdown.replacingOccurrences(of: "\n", with: "\r\n")) == SafeMarkdown.html(markdown))
    }

    /// A link target is checked by scalar: a mark after `"`, a space or `\` hides none of them.
    /// ("/\u{FE0F}/x" stays: a browser keeps U+FE0F in the path, so it is a path on this site.)
    @Test(arguments: ["https://ok.example/\"\u{301}x", "https://ok.example/a\u{600} b", "/\\\u{301}evil.example", "//\u{301}evil.example"])
    func linkTargetsRefuseHiddenSpecials(_ text: String) {
        #expect(SafeMarkdown.linkTarget(text) == nil)
    }

    @Test func linkTargetsKeepWhatWasAllowed() {
        #expect(SafeMarkdown.linkTarget(" https://ok.example/p?q=1 ") == "https://ok.example/p?q=1")
        #expect(SafeMarkdown.linkTarget("/ui/incidents/1") == "/ui/incidents/1")
        #expect(SafeMarkdown.linkTarget("//evil.example") == nil)
    }

    /// A code span's fence is longer than every run of backticks in it, counted by scalar: a
    /// backtick with a combining mark after it is one `Character` but still closes a span.
    @Test(arguments: ["plain", "a`b", "``x```", "`\u{301}[x](https://evil)", "`\u{301}`\u{301}`\u{200D}", "`lead", "trail`\u{301}", "cr\r\nlf\u{2028}"])
    func codeSpansOutgrowEveryBacktickRun(_ text: String) {
        let code = Array(MarkdownText.code(text).unicodeScalars)
        let fence = code.prefix { $0 == "`" }.count
        #expect(fence > 0 && code.suffix(fence).allSatisfy { $0 == "`" })
        let inside = code.dropFirst(fence).dropLast(fence)
        var run = 0, longest = 0
        for scalar in inside {
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        #expect(longest < fence, "\(text.debugDescription) → \(String(String.UnicodeScalarView(code)).debugDescription)")
        #expect(!inside.contains { Character($0).isNewline })
    }

    /// Adversarial blocks render in linear time: a megabyte of openers that never close, and
    /// nesting far deeper than the renderer follows (it turns the rest into text, not a crash).
    @Test(.timeLimit(.minutes(1)), arguments: [
        String(repeating: "[", count: 200_000), String(repeating: "*a", count: 100_000), String(repeating: "`a``", count: 50_000),
        "*" + String(repeating: "```", count: 50_000), String(repeating: "[a](", count: 50_000), String(repeating: "<", count: 200_000),
        String(repeating: "_a ", count: 100_000), "http://x/" + String(repeating: "[", count: 200_000),
    ])
    func hostileBlocksRenderInLinearTime(_ markdown: String) {
        let html = SafeMarkdown.html(markdown)
        #expect(html.hasPrefix("<p>") && !html.contains("<a href=\"javascript"))
    }

    @Test func deepNestingBecomesText() {
        let deep = String(repeating: "[", count: 5_000) + "a" + String(repeating: "](/ui/x)", count: 5_000)
        let html = SafeMarkdown.html(deep)
        #expect(html.components(separatedBy: "<a ").count - 1 <= 9)
        let stars = String(repeating: "*", count: 20) + "x" + String(repeating: "*", count: 20)
        #expect(!SafeMarkdown.html(stars).isEmpty)
    }

    @Test func linkTargets() {
        #expect(SafeMarkdown.linkTarget("https://a.example/x") == "https://a.example/x")
        #expect(SafeMarkdown.linkTarget("HTTP://A.example") == "HTTP://A.example")
        #expect(SafeMarkdown.linkTarget("/ui/runbooks") == "/ui/runbooks")
        for bad in ["javascript:alert(1)", " javascript:x", "//evil", "/\\evil", "data:x", "vbscript:x", "https://a b", "ftp://x"] {
            #expect(SafeMarkdown.linkTarget(bad) == nil, "\(bad)")
        }
    }

    @Test func escapesEveryHTMLSpecialCharacter() {
        #expect(HTMLText.escape(#"<a href="x" onclick='y'>&</a>"#) == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTMLText.escape("plain") == "plain")
    }
}

struct YAMLTextTests {
    @Test(arguments: [
        ("plain", #""plain""#), ("a\"b\\c", #""a\"b\\c""#), ("\t\n\r", #""\t\n\r""#), ("\u{1}\u{7F}\u{9F}", #""\x01\x7F\x9F""#),
        ("\u{85}\u{2028}\u{2029}", #""\N\L\P""#), ("\u{FEFF}\u{FFFE}", #""\uFEFF\uFFFE""#), ("e\u{301} 🔥", "\"e\u{301} 🔥\""),
        ("\"\u{301}", "\"\\\"\u{301}\""),
    ])
    func quotesByScalar(_ value: String, _ expected: String) {
        #expect(YAMLText.quoted(value) == expected)
    }
}
