import FirehouseCore
import Foundation
import Logging

/// One log line per event, as logfmt or JSON, with stable keys: `ts`, `level`, `msg`, then the
/// metadata sorted by key (`request_id`, `incident`, `group_key`, ...). Values never contain raw
/// newlines, so a label with CR/LF cannot forge a second line.
public struct LineLogHandler: LogHandler {
    public enum Format: String, Sendable { case logfmt, json }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    let label: String
    let format: Format
    let output: @Sendable (String) -> Void

    public init(label: String, format: Format, level: Logger.Level, output: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        var fields = [("source", event.source)]
        fields.reserveCapacity(merged.count + 1)
        for (key, value) in merged { fields.append((Self.key(key), Self.text(value))) }
        fields[1...].sort { $0.0 < $1.0 }
        var ts: [UInt8] = []
        SystemClock().now().appendRFC3339(to: &ts)
        output(Self.line(format: format, ts: String(decoding: ts, as: UTF8.self), level: event.level.rawValue,
                         message: event.message.description, fields: fields))
    }

    /// Hummingbird's request id key becomes the stable `request_id`.
    static func key(_ key: String) -> String { key == "hb.request.id" ? "request_id" : key }

    static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let items): items.map(text).joined(separator: ",")
        case .dictionary(let d): d.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ",")
        }
    }

    /// Formats one line (pure; tested). Built as bytes: every request logs one, and string
    /// interpolation and joins cost more than the rest of the line's work.
    public static func line(format: Format, ts: String, level: String, message: String, fields: [(String, String)]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func field(_ key: String, _ value: String) {
            switch format {
            case .logfmt:
                if !out.isEmpty { out.append(UInt8(ascii: " ")) }
                out.append(contentsOf: key.utf8)
                out.append(UInt8(ascii: "="))
                appendLogfmtValue(value, to: &out)
            case .json:
                out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
                JSONString.append(key, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONString.append(value, to: &out)
            }
        }
        field("ts", ts)
        field("level", level)
        field("msg", message)
        for (key, value) in fields { field(key, value) }
        if format == .json { out.append(UInt8(ascii: "}")) }
        return String(decoding: out, as: UTF8.self)
    }

    static func logfmtValue(_ value: String) -> String {
        var out: [UInt8] = []
        appendLogfmtValue(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value as is, or quoted with `"`, `\`, CR, LF, TAB and the escaped scalars escaped.
    /// Walks the UTF-8 bytes (every request's log line has quoted values; a `String` per scalar
    /// was half the line's cost): valid UTF-8 is copied as it is, and the only multi-byte scalars
    /// escaped, C1 controls and U+2028/U+2029, are found by their lead bytes 0xC2 and 0xE2.
    static func appendLogfmtValue(_ value: String, to out: inout [UInt8]) {
        guard value.isEmpty || needsQuotes(value) else {
            out.append(contentsOf: value.utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        var text = value
        text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    out.append(UInt8(ascii: "\\"))
                    switch byte {
                    case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
                    case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
                    case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
                    default: out.append(byte)
                    }
                case 0x00..<0x20, 0x7F: appendEscaped(UInt32(byte), to: &out)
                case 0xC2 where index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
                    appendEscaped(UInt32(bytes[index + 1]), to: &out)
                    index += 1
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (0xA8...0xA9).contains(bytes[index + 2]):
                    appendEscaped(0x2000 + UInt32(bytes[index + 2]) - 0x80, to: &out)
                    index += 2
                default: out.append(byte)
                }
                index += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `\u{1b}`: the scalar's value in lowercase hex.
    private static func appendEscaped(_ scalar: UInt32, to out: inout [UInt8]) {
        out += #"\u{"#.utf8
        out += String(scalar, radix: 16).utf8
        out.append(UInt8(ascii: "}"))
    }

    /// Control characters (C0, DEL, C1: TAB, ESC, NUL, ...) and the Unicode line breaks: written as
    /// `\u{..}`, so no value can move the cursor, recolour a terminal or forge a line.
    static func isEscapedScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// A byte scan (every log line passes here); beyond ASCII, C1 controls and U+2028/U+2029 are
    /// checked by scalar.
    static func needsQuotes(_ value: String) -> Bool {
        var ascii = true
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00..<0x20, 0x7F: return true
            case 0x80...: ascii = false
            default: continue
            }
        }
        return !ascii && value.unicodeScalars.contains { isEscapedScalar($0) }
    }

    /// One `write(2)` per line (whole lines, so concurrent writers do not interleave).
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
