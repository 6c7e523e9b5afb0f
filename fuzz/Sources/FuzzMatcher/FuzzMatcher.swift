import FirehouseCore

/// The label-matcher parser on arbitrary text: a matcher or a MatcherError; a parsed matcher prints
/// as text that parses back to the same matcher, and matching never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatcher(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let matcher = try? LabelMatcher(parsing: text) else { return 0 }
    guard let again = try? LabelMatcher(parsing: matcher.description) else {
        preconditionFailure("\(matcher.description) does not parse back")
    }
    precondition(again == matcher, "\(matcher.description) parses back as \(again.description)")
    _ = matcher.matches(["alertname": text, "severity": "critical"])
    return 0
}
