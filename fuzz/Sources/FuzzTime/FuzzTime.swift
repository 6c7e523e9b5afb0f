import FirehouseCore

/// Time and duration arithmetic on anything: RFC 3339 and duration text from the input, and
/// Int64 values from its bytes, through every operator, formatter and parser. Nothing may trap;
/// a parsed time formats back to itself, and a parsed duration is never negative.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTime(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    func int64(_ at: Int) -> Int64 {
        var value: UInt64 = 0
        for i in 0..<8 where at + i < size { value |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return Int64(bitPattern: value)
    }
    let a = Timestamp(nanoseconds: int64(0)), b = Timestamp(nanoseconds: int64(8))
    let span = TimeSpan(nanoseconds: int64(16))
    _ = a + span
    _ = a - span
    _ = a - b
    _ = span + span - span
    _ = span * int64(24)
    _ = TimeSpan.seconds(int64(0)).humanReadable
    _ = Timestamp(seconds: int64(8)).rfc3339
    _ = span.humanReadable
    _ = span.seconds
    _ = IncidentStats.Distribution([span, TimeSpan(nanoseconds: int64(24)), TimeSpan(nanoseconds: .max)]).mean
    for piece in text.split(separator: "\u{1}", omittingEmptySubsequences: false) {
        let piece = String(piece)
        if let time = Timestamp(rfc3339: piece) {
            precondition(Timestamp.representable.contains(time), "parsed outside the range: \(piece)")
            precondition(Timestamp(rfc3339: time.rfc3339) == time, "does not round-trip: \(piece)")
            _ = time - a
        }
        if let duration = TimeSpan(parsing: piece) {
            precondition(duration.nanoseconds >= 0, "negative duration: \(piece)")
            _ = a + duration
            _ = duration.humanReadable
        }
    }
    return 0
}
