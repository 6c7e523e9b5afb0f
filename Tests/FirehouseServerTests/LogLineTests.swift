@testable import FirehouseServer
import Foundation
import Logging
import Testing

struct LogLineTests {
    @Test func logfmtQuotesAndNeverBreaksTheLine() {
        let line = LineLogHandler.line(format: .logfmt, ts: "2026-11-25T15:00:00.000Z", level: "info", message: "notification ingested",
                                       fields: [("group_key", "{}:{alertname=\"A\"}"), ("incident", "12"), ("evil", "x\nlevel=error msg=forged")])
        #expect(line == #"ts=2026-11-25T15:00:00.000Z level=info msg="notification ingested" group_key="{}:{alertname=\"A\"}" incident=12 evil="x\nlevel=error msg=forged""#)
        #expect(!line.contains("\n"))
        // "\r\n" is a single Character in Swift; it must still be escaped (the chat fuzzer found
        // the same slip in ChatText).
        let crlf = LineLogHandler.line(format: .logfmt, ts: "t", level: "info", message: "m",
                                       fields: [("evil", "x\r\nts=t level=error msg=forged\u{2028}")])
        #expect(crlf == #"ts=t level=info msg=m evil="x\r\nts=t level=error msg=forged\u{2028}""#)
        #expect(!crlf.unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" })
    }

    @Test func jsonIsOneValidObject() throws {
        let line = LineLogHandler.line(format: .json, ts: "t", level: "warning", message: "a \"b\"\r\n",
                                       fields: [("request_id", "abc"), ("ctl", "\u{1}")])
        #expect(!line.contains("\n"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object == ["ts": "t", "level": "warning", "msg": "a \"b\"\r\n", "request_id": "abc", "ctl": "\u{1}"])
    }

    @Test func handlerWritesStableKeys() {
        let lines = LockedLines()
        var handler = LineLogHandler(label: "t", format: .logfmt, level: .info, output: { lines.append($0) })
        handler[metadataKey: "hb.request.id"] = "r1"
        let logger = Logger(label: "t", factory: { _ in handler })
        logger.info("hello", metadata: ["incident": "3"])
        logger.debug("hidden")
        let captured = lines.all
        #expect(captured.count == 1)
        #expect(captured.first?.contains("msg=hello") == true)
        #expect(captured.first?.contains("request_id=r1") == true)
        #expect(captured.first?.contains("incident=3") == true)
    }
}

extension LogLineTests {
    /// The byte walk writes exactly what escaping scalar by scalar writes (the implementation it
    /// replaced, kept here as the reference): multi-byte text copied whole, and only C1 controls
    /// and U+2028/U+2029 escaped among the scalars beyond ASCII, even at the value's end.
    @Test(arguments: [
        "a b", "say \"hi\" \\ back", "crlf\r\n", "tab\t", "nul\u{0} esc\u{1B}[31m del\u{7F}", "c1 \u{80}\u{85}\u{9B}\u{9F}",
        "\u{A0}nbsp \u{C2}\u{C0}", "ls\u{2028}ps\u{2029}", "\u{2027}\u{202A}\u{20AC} near the line breaks",
        "ünïcødé 🔥 e\u{301}", "end in c1\u{85}", "end in ls\u{2028}", "\u{2028}", "\u{85}", "=",
        "", "\u{1F}", "\u{BF}", "\u{2068}\u{20A8}", "\u{C0}\u{300}",
    ])
    func logfmtBytesMatchTheScalarReference(value: String) {
        // Bytes, not String ==, which would take a composed and a decomposed é as equal.
        #expect(Array(LineLogHandler.logfmtValue(value).utf8) == Array(Self.referenceLogfmtValue(value).utf8))
    }

    static func referenceLogfmtValue(_ value: String) -> String {
        guard value.isEmpty || LineLogHandler.needsQuotes(value) else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += #"\""#
            case "\\": out += #"\\"#
            case "\n": out += #"\n"#
            case "\r": out += #"\r"#
            case "\t": out += #"\t"#
            case _ where LineLogHandler.isEscapedScalar(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    /// The byte scan must quote exactly what `Character`-based rules would.
    @Test(arguments: [
        ("plain", false), ("", true), ("a b", true), ("k=v", true), ("say \"hi\"", true), ("back\\slash", true),
        ("line\nbreak", true), ("cr\r", true), ("crlf\r\n", true), ("vt\u{0B}", true), ("ff\u{0C}", true),
        ("nel\u{85}", true), ("ls\u{2028}", true), ("ps\u{2029}", true), ("ünïcødé-🔥", false), ("tab\tonly", true), ("esc\u{1B}[31m", true), ("nul\u{0}", true), ("del\u{7F}", true), ("c1\u{9B}", true),
    ])
    func logfmtQuotingTable(value: String, quoted: Bool) {
        #expect(LineLogHandler.logfmtValue(value).hasPrefix("\"") == quoted)
        #expect(value.isEmpty || LineLogHandler.needsQuotes(value) == value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" })
    }
}
