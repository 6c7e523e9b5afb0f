import FirehouseCore

/// The chat-command parser on arbitrary text: a command or a ChatParseError, never a crash; the
/// error reply renders; text over the limit is always refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChat(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parser = ChatCommandParser(maxLength: 512)
    do {
        let command = try parser.parse(text)
        precondition(text.utf8.count <= 512)
        _ = "\(command)"
    } catch {
        let reply = ChatReplies().error(error, parser: parser)
        precondition(!reply.isEmpty)
        if text.utf8.count > 512 { precondition(error == .tooLong(limit: 512)) }
    }
    // Escaped text can never ping or link, whatever it was.
    // By scalar: "<" with a combining mark after it is one Character, but still a raw "<" to Slack.
    for dialect in ChatDialect.allCases {
        let escaped = dialect.text(text, limit: 600).unicodeScalars
        precondition(!escaped.contains("\n") && !escaped.contains("\r"))
        if dialect == .slack || dialect == .mattermost { precondition(!escaped.contains("<") && !escaped.contains(">")) }
    }
    return 0
}
