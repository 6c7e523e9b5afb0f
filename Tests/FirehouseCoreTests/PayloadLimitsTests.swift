@testable import FirehouseCore
import Testing

struct PayloadLimitsTests {
    let limits = PayloadLimits(maxAlerts: 3, maxLabels: 4, maxLabelValueBytes: 10, maxAnnotationValueBytes: 20)

    static func body(alerts: Int = 1, labels: [String: String] = ["alertname": "A"], annotations: [String: String] = [:],
                     groupLabels: [String: String] = [:]) -> String {
        func object(_ set: [String: String]) -> String {
            "{" + set.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}"
        }
        let alert = #"{"status":"firing","labels":\#(object(labels)),"annotations":\#(object(annotations)),"startsAt":"2026-11-25T15:00:00Z"}"#
        return #"{"version":"4","receiver":"r","status":"firing","groupLabels":\#(object(groupLabels)),"alerts":["#
            + Array(repeating: alert, count: alerts).joined(separator: ",") + "]}"
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var json: String
        /// nil: accepted.
        var error: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "at every limit", json: body(alerts: 3, labels: ["a": "0123456789", "b": "x", "c": "x", "d": "x"],
                                                annotations: ["d": String(repeating: "é", count: 10)]), error: nil),
        Case(name: "one alert too many", json: body(alerts: 4), error: "alerts: 4 alerts, the limit is 3 per notification"),
        Case(name: "one label too many", json: body(labels: ["a": "1", "b": "2", "c": "3", "d": "4", "e": "5"]),
             error: "alerts[0].labels: 5 entries, the limit is 4"),
        Case(name: "a label value too long", json: body(labels: ["a": "01234567890"]),
             error: "alerts[0].labels.a: the value is 11 bytes, the limit is 10"),
        Case(name: "a label name too long", json: body(labels: ["abcdefghijk": "1"]),
             error: "alerts[0].labels.abcdefghijk: the name is 11 bytes, the limit is 10"),
        Case(name: "an annotation too long (bytes, not characters)", json: body(annotations: ["d": String(repeating: "é", count: 11)]),
             error: "alerts[0].annotations.d: the value is 22 bytes, the limit is 20"),
        Case(name: "group labels too many", json: body(groupLabels: ["a": "1", "b": "2", "c": "3", "d": "4", "e": "5"]),
             error: "groupLabels: 5 entries, the limit is 4"),
    ]

    @Test(arguments: cases) func limitsAreEnforcedWithTheField(_ c: Case) {
        do {
            _ = try AlertmanagerNotification.decode(json: Array(c.json.utf8), limits: limits)
            #expect(c.error == nil, "accepted")
        } catch {
            #expect(error.description == c.error)
        }
    }
}
