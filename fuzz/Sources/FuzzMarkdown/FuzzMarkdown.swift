import FirehouseCore

/// The web view's Markdown renderer with any input: it must not crash or hang (libFuzzer's
/// timeout), and its output must hold only the markup it is allowed to write, with every link
/// an http(s) URL or a path on this site.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMarkdown(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let markdown = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let html = SafeMarkdown.html(markdown)
    // Bytes, not Characters: a combining mark after `>` makes one Character of both.
    let bytes = Array(html.utf8)
    var i = 0
    while let open = bytes[i...].firstIndex(of: UInt8(ascii: "<")) {
        i = open
        guard let tag = allowed.first(where: { bytes[i...].starts(with: $0.utf8) }) else {
            preconditionFailure("markup the renderer may not write: \(String(decoding: bytes[i...].prefix(80), as: UTF8.self))")
        }
        i += tag.utf8.count
        if tag == #"<a href=""# {
            let end = bytes[i...].firstIndex(of: UInt8(ascii: "\"")) ?? bytes.endIndex
            let target = String(decoding: bytes[i..<end], as: UTF8.self)
            let lower = target.lowercased()
            precondition(lower.hasPrefix("http://") || lower.hasPrefix("https://") || (target.hasPrefix("/") && !target.hasPrefix("//")),
                         "a link to \(target)")
            precondition(!target.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "'") }),
                         "markup in a link: \(target)")
            i = end
            precondition(bytes[i...].starts(with: #"" rel="noopener noreferrer">"#.utf8), "more attributes after a link")
        }
    }
    return 0
}

let allowed: [String] = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "blockquote", "code", "table", "thead", "tbody",
                         "tr", "th", "td", "strong", "em", "pre", "div", "a"].map { "</\($0)>" }
    + ["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "blockquote", "code", "table", "thead", "tbody", "tr", "th", "td",
       "strong", "em", "hr"].map { "<\($0)>" }
    + [#"<pre tabindex="0">"#, #"<div class="table">"#, #"<a href=""#]
