@testable import FirehouseCore
import Foundation
import Testing

struct JSONValueTests {
    @Test(arguments: [
        (#"{}"#, JSONValue.object([])),
        (#" [1, -2.5e3, true, false, null] "#, .array([.number(1), .number(-2500), .bool(true), .bool(false), .null])),
        (#"{"a":{"b":["c"]}}"#, .object([("a", .object([("b", .array([.string("c")]))]))])),
        (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{8}\u{c}\n\r\t")),
        (#""\u00e9\u6771\ud83d\udd25""#, .string("é東🔥")),
        (#""\ud800x""#, .string("\u{FFFD}x")),                  // lone surrogate
        ("\"東京 ⚠️\"", .string("東京 ⚠️")),
        (#""\u003cscript\u003e \u0026""#, .string("<script> &")),  // Go's HTML escaping, as Alertmanager sends
    ])
    func parses(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "\"tab\there\"",
        "\"\\x\"", "\"\\u12\"", "{} {}", "[1 2]", "{'a':1}", "nul",
    ])
    func rejects(text: String) {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(deep.utf8)) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue.parse(Array(ok.utf8)) }
    }

    /// The fast parser agrees with Foundation on every captured Alertmanager body.
    @Test(arguments: Fixtures.allNames)
    func agreesWithFoundation(name: String) throws {
        let data = try Fixtures.data(name)
        let ours = try JSONValue.parse(Array(data))
        let theirs = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        for (key, value) in theirs {
            if let text = value as? String { #expect(ours[key] == .string(text), "\(key)") }
        }
        guard case .array(let alerts) = ours["alerts"] else { Issue.record("no alerts"); return }
        let theirAlerts = theirs["alerts"] as! [[String: Any]]
        for (a, b) in zip(alerts, theirAlerts) {
            for (key, value) in b["annotations"] as! [String: String] { #expect(a["annotations"]?[key] == .string(value)) }
        }
    }

    /// The flat label-set parser agrees with the full parser, and refuses what is not a flat object of strings.
    @Test(arguments: [
        (#"{}"#, [:] as [String: String]?), (#" { "a" : "1" , "b":"2" } "#, ["a": "1", "b": "2"]),
        (#"{"esc":"q\"b\\n\n\u00e9\ud83d\udd25","a":"x","a":"last"}"#, ["esc": "q\"b\\n\né🔥", "a": "last"]),
        (#"{"n":1}"#, nil), (#"{"a":"1",}"#, nil), (#"{"a":"1"} x"#, nil), (#"["a"]"#, nil), (#"{"a":{"b":"c"}}"#, nil), ("", nil),
    ])
    func parsesFlatStringMaps(text: String, expected: [String: String]?) {
        #expect(JSONValue.parseStringMap(text) == expected)
        if let expected, case .object(let members)? = try? JSONValue.parse(Array(text.utf8)) {
            #expect(Dictionary(members.map { ($0.0, $0.1) }, uniquingKeysWith: { $1 }).mapValues { value -> String in
                if case .string(let s) = value { s } else { "" }
            } == expected)
        }
    }
}
