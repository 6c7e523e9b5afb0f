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
        let fields = merged.map { (Self.key($0.key), Self.text($0.value)) }.sorted { $0.0 < $1.0 }
        output(Self.line(format: format, ts: SystemClock().now().rfc3339, level: event.level.rawValue, message: "\(event.message)",
                         fields: [("source", event.source)] + fields))
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

    /// Formats one line (pure; tested).
    public static func line(format: Format, ts: String, level: String, message: String, fields: [(String, String)]) -> String {
        let all = [("ts", ts), ("level", level), ("msg", message)] + fields
        switch format {
        case .logfmt:
            return all.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            return "{" + all.map { "\(JSONString.quoted($0.0)):\(JSONString.quoted($0.1))" }.joined(separator: ",") + "}"
        }
    }

    static func logfmtValue(_ value: String) -> String {
        guard value.isEmpty || needsQuotes(value) else { return value }
        var out = "\""
        // Scalars, not Characters: "\r\n" is one Character and would match neither case.
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Self.isEscapedScalar(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
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

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
