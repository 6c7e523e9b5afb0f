import FirehouseCore
@testable import FirehouseServer
import Foundation
import Testing

/// The byte-level list writer must say exactly what the `Encodable` shape says.
struct IncidentJSONBytesTests {
    static func summary(_ id: Int64, title: String, labels: LabelSet, milestones: Bool) -> IncidentSummary {
        let t = Timestamp(rfc3339: "2026-11-25T15:00:00.123456789Z")!
        let head = IncidentHead(
            id: id, correlationKey: "k", receiver: "rcv \"x\"", title: title, labels: labels, severity: .sev2,
            milestones: milestones ? .init(status: .closed, acknowledgedAt: t + .seconds(1), mitigatedAt: t + .seconds(2),
                                           resolvedAt: t + .seconds(3), closedAt: t + .seconds(4))
                                   : .init(status: .triggered),
            openedAt: t, reopenCount: Int(id % 3))
        return IncidentSummary(head: head, alertCount: Int(id) * 2, firingAlertCount: Int(id))
    }

    @Test func bytesEqualTheEncodableShape() throws {
        let titles = ["plain", "quote \" backslash \\ slash /", "ctl \u{1}\u{1f} tab\t nl\n crlf\r\n", "ünïcødé 🔥 \u{2028}", ""]
        let summaries = titles.enumerated().map { index, title in
            Self.summary(Int64(index + 1), title: title, labels: index % 2 == 0 ? [:] : ["alertname": title, "b": "2"],
                         milestones: index % 2 == 1)
        }
        for next: Int64? in [nil, 7] {
            let page = IncidentPage(incidents: summaries, next: next)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let expected = try JSONSerialization.jsonObject(with: try encoder.encode(
                IncidentPageJSON(incidents: summaries.map { IncidentJSON(summary: $0) }, next: next))) as? NSDictionary
            let actual = try JSONSerialization.jsonObject(with: Data(IncidentPageJSON.bytes(page))) as? NSDictionary
            #expect(actual == expected)
            #expect(actual?["incidents"] as? [Any] != nil)
        }
    }

    @Test(arguments: [[], [IngestResult(id: 1, action: .opened)],
                      [IngestResult(id: 42, action: .updated), IngestResult(id: 9_000_000_000, action: .resolved)]])
    func webhookReplyEqualsTheEncodableShape(results: [IngestResult]) throws {
        struct Reply: Encodable { var incidents: [IngestResult] }
        let expected = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Reply(incidents: results))) as? NSDictionary
        let actual = try JSONSerialization.jsonObject(with: Data(AlertmanagerController.reply(results))) as? NSDictionary
        #expect(actual == expected)
    }

    @Test(arguments: [Int64(0), 7, -7, 10, 1_234_567_890, Int64.max, Int64.min])
    func numbersAsDigits(value: Int64) {
        var out: [UInt8] = []
        JSONNumber.append(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }
}
