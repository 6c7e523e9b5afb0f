@testable import FirehouseCore
import Foundation
import Testing

struct NotificationDecodingTests {
    @Test(arguments: Fixtures.allNames)
    func everyFixtureDecodesAndFingerprintsMatchAlertmanager(name: String) throws {
        let data = try Fixtures.data(name)
        let notification = try AlertmanagerNotification.decode(json: Array(data))
        #expect(notification.version == "4")
        let raw = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let alerts = raw["alerts"] as! [[String: Any]]
        #expect(alerts.count == notification.alerts.count)
        for (json, alert) in zip(alerts, notification.alerts) {
            // The fingerprint we compute from labels equals the one Alertmanager sent.
            #expect(alert.labels.alertFingerprint == json["fingerprint"] as? String)
        }
    }

    @Test func firingAlertsHaveNoEnd() throws {
        let n = try Fixtures.notification("01-single-critical--firing")
        #expect(n.alerts[0].endsAt == nil)
        #expect(n.alerts[0].status == .firing)
        let resolved = try Fixtures.notification("01-single-critical--resolved")
        #expect(resolved.alerts[0].endsAt != nil)
    }

    @Test func truncationAndQuotedReceiverAreKept() throws {
        let n = try Fixtures.notification("05-max-alerts-truncation--firing-5-alerts-max-2")
        #expect(n.truncatedAlerts == 3)
        #expect(n.receiver == #"incident-bot\.max2"#)
    }

    @Test func unknownAndLaterFieldsAreTolerated() throws {
        let body = """
        {"receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A","empty":""},
        "annotations":{},"startsAt":"2024-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"",
        "fingerprint":"","extra":1}],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},
        "externalURL":"http://am","version":"4","groupKey":"{}:{}","truncatedAlerts":0,
        "routeLabels":{"team":"x"},"notification_reason":"first notification"}
        """
        let n = try AlertmanagerNotification.decode(json: Array(body.utf8))
        #expect(n.alerts[0].labels == ["alertname": "A"])  // empty-valued labels are dropped, like Alertmanager
        #expect(n.alerts[0].fingerprint == ["alertname": "A"].alertFingerprint)
    }

    /// A valid body with `$ALERT` standing for one valid alert; each case swaps one piece.
    static func body(top: String = #""version":"4","receiver":"r","status":"firing""#, alert: String = validAlert) -> String {
        "{\(top),\"alerts\":[\(alert)],\"groupLabels\":{},\"truncatedAlerts\":0}"
    }

    static let validAlert = #"{"status":"firing","labels":{"alertname":"A"},"startsAt":"2024-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}"#

    /// Each case is a broken body and the field its error must name.
    @Test(arguments: [
        ("version", body(top: #""version":"3","receiver":"r","status":"firing""#)),
        ("version", body(top: #""receiver":"r","status":"firing""#)),
        ("receiver", body(top: #""version":"4","receiver":5,"status":"firing""#)),
        ("status", body(top: #""version":"4","receiver":"r","status":"burning""#)),
        ("alerts", #"{"version":"4","receiver":"r","status":"firing","alerts":[]}"#),
        ("alerts", #"{"version":"4","receiver":"r","status":"firing","alerts":"x"}"#),
        ("truncatedAlerts", #"{"version":"4","receiver":"r","status":"firing","alerts":[\#(validAlert)],"truncatedAlerts":-1}"#),
        ("groupLabels.a", #"{"version":"4","receiver":"r","status":"firing","alerts":[\#(validAlert)],"groupLabels":{"a":1}}"#),
        ("alerts[0].labels", body(alert: #"{"status":"firing","labels":{},"startsAt":"2024-01-01T00:00:00Z"}"#)),
        ("alerts[0].labels", body(alert: #"{"status":"firing","startsAt":"2024-01-01T00:00:00Z"}"#)),
        ("alerts[0].startsAt", body(alert: #"{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}"#)),
        ("alerts[0].endsAt", body(alert: #"{"status":"firing","labels":{"a":"b"},"startsAt":"2024-01-01T00:00:00Z","endsAt":"soon"}"#)),
        ("alerts[0].status", body(alert: #"{"labels":{"a":"b"},"startsAt":"2024-01-01T00:00:00Z"}"#)),
    ])
    func badBodiesNameTheField(field: String, json: String) throws {
        #expect(throws: PayloadError.self) { try AlertmanagerNotification.decode(json: Array(json.utf8)) }
        do {
            _ = try AlertmanagerNotification.decode(json: Array(json.utf8))
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test(arguments: ["", "{", "[]", "null", "{\"version\":\"4\"", "not json"])
    func malformedJSONIs400Material(body: String) {
        #expect(throws: PayloadError.self) { try AlertmanagerNotification.decode(json: Array(body.utf8)) }
    }
}
