@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

struct IncidentRouteTests {
    /// Every incident route takes its `{id}` the same ways (the parameter type).
    @Test(arguments: [("1", true), ("INC-1", true), ("inc-1", true), ("%231", true), ("%23INC-1", true),
                      ("0", false), ("-1", false), ("INC-", false), ("abc", false), ("1.5", false), ("%2", false),
                      ("99999999999999999999", false)])
    func incidentReferencesInPaths(_ ref: String, _ accepted: Bool) async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            for path in ["/api/v1/incidents/\(ref)", "/api/v1/incidents/\(ref)/timeline", "/api/v1/incidents/\(ref)/silences"] {
                let response = try await client.get(path)
                if accepted {
                    #expect(response.status == .ok, "\(path)")
                } else {
                    #expect(response.status == .badRequest, "\(path)")
                    #expect(try json(response)["error"] as? String == "id: expected an incident id such as 12 or INC-12")
                }
            }
        }
    }

    @Test func incidentShapeIsTheContract() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            let response = try await client.get("/api/v1/incidents/1")
            #expect(response.status == .ok)
            let incident = try json(response)
            for key in ["id", "ref", "title", "status", "severity", "openedAt", "acknowledgedAt", "mitigatedAt",
                        "resolvedAt", "closedAt", "labels", "alerts", "roles", "timeline"] {
                #expect(incident.keys.contains(key), "missing \(key)")
            }
            #expect(incident["ref"] as? String == "INC-1")
            #expect(incident["status"] as? String == "triggered")
            #expect(incident["severity"] as? String == "SEV3")
            #expect(incident["openedAt"] as? String == "2026-11-25T15:00:00Z")
            #expect(incident["acknowledgedAt"] is NSNull)
            #expect(incident["closedAt"] is NSNull)
            #expect((incident["roles"] as? [Any])?.isEmpty == true)
            let alerts = try #require(incident["alerts"] as? [[String: Any]])
            #expect(alerts.count == 5)
            for key in ["fingerprint", "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL",
                        "firstSeenAt", "lastSeenAt"] {
                #expect(alerts[0].keys.contains(key), "alert missing \(key)")
            }
            #expect(alerts[0]["endsAt"] is NSNull)
            let timeline = try #require(incident["timeline"] as? [[String: Any]])
            #expect(timeline.count == 6)
            for key in ["at", "kind", "actor", "text", "data"] { #expect(timeline[0].keys.contains(key)) }
            #expect(timeline[0]["kind"] as? String == "incident_opened")
        }
    }

    @Test func referencesAndErrors() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            #expect(try await client.get("/api/v1/incidents/INC-1").status == .ok)
            #expect(try await client.get("/api/v1/incidents/%231").status == .ok)
            let missing = try await client.get("/api/v1/incidents/99")
            #expect(missing.status == .notFound)
            #expect(try json(missing)["error"] as? String == "incident 99 not found")
            #expect(try await client.get("/api/v1/incidents/99/timeline").status == .notFound)
            #expect(try await client.get("/api/v1/incidents/abc").status == .badRequest)
            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline"))
            #expect((timeline["timeline"] as? [Any])?.count == 2)
            let unknownRoute = try await client.get("/api/v1/nothing")
            #expect(unknownRoute.status == .notFound)
            #expect(try json(unknownRoute)["error"] is String)
        }
    }

    @Test(arguments: [
        ("/api/v1/incidents?status=bogus", "status"),
        ("/api/v1/incidents?limit=0", "limit"),
        ("/api/v1/incidents?limit=x", "limit"),
        ("/api/v1/incidents?limit=10001", "limit"),
        ("/api/v1/incidents?before=-3", "before"),
    ])
    func badQueriesAre400(uri: String, mentions: String) async throws {
        try await withApp { client in
            let response = try await client.get(uri)
            #expect(response.status == .badRequest)
            #expect((try json(response)["error"] as? String)?.hasPrefix(mentions) == true)
        }
    }

    @Test func listFiltersAndPages() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"))
            let open = try json(try await client.get("/api/v1/incidents?status=open"))
            #expect((open["incidents"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2])
            #expect(open["next"] is NSNull)
            let resolved = try json(try await client.get("/api/v1/incidents?status=resolved"))
            #expect((resolved["incidents"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
            #expect(try await client.get("/api/v1/incidents?status=all&limit=10000").status == .ok)
            let page = try json(try await client.get("/api/v1/incidents?status=all&limit=1"))
            #expect((page["incidents"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2])
            #expect(page["next"] as? Int == 2)
            let rest = try json(try await client.get("/api/v1/incidents?limit=1&before=2"))
            #expect((rest["incidents"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
        }
    }

    @Test func healthAndReadiness() async throws {
        try await withApp { client in
            let health = try await client.get("/healthz")
            let ready = try await client.get("/readyz")
            #expect(health.status == .ok)
            #expect(ready.status == .ok)
        }
    }
}
