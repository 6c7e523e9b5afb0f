@testable import FirehouseServer
import Hummingbird
import Testing

/// The Alertmanager client's errors and the silence service's are mapped to HTTP in one place.
struct AlertmanagerErrorTests {
    @Test(arguments: [
        (AlertmanagerError.notConfigured, HTTPResponse.Status.serviceUnavailable,
         "silences need alertmanager.url in the Firehouse config"),
        (.unreachable(url: "http://am:9093", reason: "connection refused"), .badGateway,
         "alertmanager at http://am:9093 is unreachable: connection refused"),
        (.answered(status: 400, body: "bad matcher"), .badGateway, "alertmanager answered HTTP 400: bad matcher"),
        (.noSilenceID(body: "{}"), .badGateway, "alertmanager answered without a silenceID: {}"),
    ] as [(AlertmanagerError, HTTPResponse.Status, String)])
    func mapsToHTTP(error: AlertmanagerError, status: HTTPResponse.Status, message: String) {
        let api = ErrorMiddleware<FirehouseContext>().map(error)
        #expect(api.status == status)
        #expect(api.message == message)
    }

    @Test func anUnrecordedSilenceIs503AndNamesTheSilence() {
        let api = ErrorMiddleware<FirehouseContext>().map(SilenceNotRecorded(silenceID: "s-1", reason: "disk I/O error"))
        #expect(api.status == .serviceUnavailable)
        #expect(api.message == "silence s-1 was created in Alertmanager but could not be recorded: disk I/O error")
    }
}
