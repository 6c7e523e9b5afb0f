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
    let escaped = ChatText.escape(text)
    precondition(!escaped.contains("<") && !escaped.contains(">") && !escaped.contains("\n"))
    return 0
}
