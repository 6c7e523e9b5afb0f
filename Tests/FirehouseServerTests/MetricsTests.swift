@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Parses the Prometheus text exposition format strictly enough to catch a broken one.
struct Exposition {
    var samples: [String: Double] = [:]
    var types: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4, "bad TYPE line: \(line)")
                try #require(["counter", "gauge", "histogram"].contains(String(parts[3])), "\(line)")
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            // name{labels} value
            guard let space = line.lastIndex(of: " ") else { throw ParseError(line: String(line)) }
            let series = String(line[..<space])
            guard let value = Double(line[line.index(after: space)...]) else { throw ParseError(line: String(line)) }
            let name = series.prefix { $0 != "{" }
            try #require(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }, "bad name in \(line)")
            if series.contains("{") { try #require(series.hasSuffix("}"), "bad labels in \(line)") }
            samples[series] = value
        }
    }

    struct ParseError: Error { var line: String }

    func value(_ series: String) -> Double? { samples[series] }
}

struct MetricsTests {
    @Test func countersGaugesAndHistogramsAreExposed() async throws {
        try await withApp({ $0.webhook.receivers = ["incident-bot"] }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"))
            _ = try await client.post("/api/v1/alertmanager", ByteBuffer(string: "{"))
            _ = try await ChatRouteTests.say(client, "ack 1")
            _ = try await ChatRouteTests.say(client, "close 2")
            _ = try await client.get("/api/v1/incidents/1")

            let response = try await client.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let m = try Exposition(String(buffer: response.body))
            #expect(m.value(#"firehouse_notifications_received_total{receiver="incident-bot",result="ok"}"#) == 3)
            #expect(m.value(#"firehouse_notifications_received_total{receiver="unknown",result="bad_request"}"#) == 1)
            #expect(m.value("firehouse_alerts_received_total") == 7)
            #expect(m.value(#"firehouse_incidents_total{action="opened"}"#) == 2)
            #expect(m.value(#"firehouse_incidents_total{action="resolved"}"#) == 1)
            #expect(m.value(#"firehouse_incidents_total{action="closed"}"#) == 1)
            #expect(m.value(#"firehouse_open_incidents{severity="SEV3",status="acknowledged"}"#) == 1)
            #expect(m.value(#"firehouse_open_incidents{severity="SEV1",status="triggered"}"#) == 0)
            #expect(m.types["firehouse_http_request_duration_seconds"] == "histogram")
            #expect(m.value(#"firehouse_http_request_duration_seconds_count{route="/api/v1/incidents/{id}",method="GET",status="200"}"#) == 1)
            #expect(m.value(#"firehouse_http_request_duration_seconds_count{route="/api/v1/alertmanager",method="POST",status="400"}"#) == 1)
            #expect((m.value("firehouse_sqlite_commits_total") ?? 0) >= 1)
            #expect(m.value("firehouse_sqlite_committed_notifications_total") == 3)
            #expect(m.types["firehouse_sqlite_commit_duration_seconds"] == "histogram")
            #expect((m.value("firehouse_sqlite_wal_sync_duration_seconds_count") ?? 0) >= 1)
            #expect(m.value(#"firehouse_build_info{version="\#(BuildInfo.version)",swift="\#(BuildInfo.swiftVersion)"}"#) == 1)
        }
    }

    /// Transitions are counted where the timeline is written, so the API, chat and ingest all count
    /// (the API's close once did not), and an incident opened and resolved by one notification
    /// counts both.
    @Test func transitionsAreCountedWhicheverPathMadeThem() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"))
            #expect(try await client.post("/api/v1/incidents/1/close", ByteBuffer()).status == .ok)
            _ = try await ChatRouteTests.say(client, "declare sev2 checkout is slow")
            _ = try await ChatRouteTests.say(client, "resolve 2")
            _ = try await ChatRouteTests.say(client, "close 2")
            // A refused change writes nothing and counts nothing.
            _ = try await ChatRouteTests.say(client, "close 2")
            let m = try Exposition(String(buffer: try await client.get("/metrics").body))
            #expect(m.value(#"firehouse_incidents_total{action="opened"}"#) == 2)
            #expect(m.value(#"firehouse_incidents_total{action="resolved"}"#) == 2)
            #expect(m.value(#"firehouse_incidents_total{action="closed"}"#) == 2)
        }
    }

    @Test func unauthorizedAttemptsAreCounted() async throws {
        try await withApp({ $0.webhook.bearerToken = "t" }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let m = try Exposition(String(buffer: try await client.get("/metrics").body))
            #expect(m.value(#"firehouse_notifications_received_total{receiver="unknown",result="unauthorized"}"#) == 1)
        }
    }
}
