import Crypto
import FirehouseCore
@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Drives incidents through `/api/v1/chat` end to end (router + real SQLite store).
struct ChatRouteTests {
    static func say(_ client: any TestClientProtocol, _ text: String, user: String? = "alice") async throws -> (String, String) {
        var body: [String: String] = ["text": text, "channel": "ops"]
        if let user { body["user"] = user }
        let response = try await client.post("/api/v1/chat", ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        #expect(response.status == .ok)
        let reply = try json(response)
        return (reply["response_type"] as? String ?? "", reply["text"] as? String ?? "")
    }

    @Test func wholeIncidentFromDeclareToClose() async throws {
        try await withApp { client in
            var (type, text) = try await Self.say(client, "declare sev2 Checkout is slow")
            #expect(type == "in_channel" && text.hasPrefix("Declared *INC-1* [SEV2]: Checkout is slow"))
            (_, text) = try await Self.say(client, "ack 1")
            #expect(text.contains("status triggered → acknowledged") && text.contains("(by alice)"))
            (type, text) = try await Self.say(client, "ack INC-1", user: "bob")
            #expect(type == "ephemeral" && text == "INC-1 is already acknowledged.")
            (_, text) = try await Self.say(client, "assign 1 ic @bob")
            #expect(text.contains("bob is now commander"))
            (_, text) = try await Self.say(client, "assign #1 commander @carol")
            #expect(text.contains("commander handed over from bob to carol"))
            (_, text) = try await Self.say(client, "assign 1 scribe @dave")
            (_, text) = try await Self.say(client, "unassign 1 scribe")
            #expect(text.contains("dave is no longer scribe"))
            (_, text) = try await Self.say(client, "sev 1 sev1")
            #expect(text.contains("severity SEV2 → SEV1"))
            (_, text) = try await Self.say(client, "status 1 investigating")
            (_, text) = try await Self.say(client, "note 1 TODO: alert on p99 latency before customers notice")
            (_, text) = try await Self.say(client, "title 1 Checkout p99 latency")
            (type, text) = try await Self.say(client, "close 1")
            #expect(type == "ephemeral" && text.hasPrefix("cannot close INC-1: it is investigating"))
            (_, text) = try await Self.say(client, "mitigate 1")
            (_, text) = try await Self.say(client, "resolve 1 rolled back checkout v2.3")
            #expect(text.contains("mitigated → resolved: rolled back checkout v2.3"))
            (_, text) = try await Self.say(client, "close 1")
            #expect(text.contains("resolved → closed"))
            #expect(text.contains("post-mortem draft v1 generated"))
            #expect(text.hasSuffix("Post-mortem draft: /api/v1/incidents/1/postmortem"))
            (_, text) = try await Self.say(client, "ack 1")
            #expect(text.hasPrefix("cannot acknowledge INC-1: it is closed (possible: reopen)"))

            let incident = try json(try await client.get("/api/v1/incidents/1"))
            #expect(incident["status"] as? String == "closed")
            #expect(incident["severity"] as? String == "SEV1")
            #expect(incident["title"] as? String == "Checkout p99 latency")
            for key in ["acknowledgedAt", "mitigatedAt", "resolvedAt", "closedAt"] { #expect(incident[key] is String, "\(key)") }
            let roles = try #require(incident["roles"] as? [[String: Any]])
            #expect(roles.map { $0["user"] as? String } == ["carol"])
            let history = try #require(incident["roleHistory"] as? [[String: Any]])
            #expect(history.map { $0["user"] as? String } == ["bob", "carol", "dave"])
            #expect(history[0]["to"] is String && history[1]["to"] is NSNull)
            let kinds = (incident["timeline"] as? [[String: Any]] ?? []).map { $0["kind"] as? String ?? "" }
            #expect(kinds == ["incident_opened", "status_changed", "role_assigned", "role_assigned", "role_assigned",
                              "role_unassigned", "severity_changed", "status_changed", "note", "title_changed",
                              "status_changed", "status_changed", "status_changed", "postmortem_generated"])
            let actors = Set((incident["timeline"] as? [[String: Any]] ?? []).map { $0["actor"] as? String ?? "" })
            #expect(actors == ["alice", "firehouse"])
        }
    }

    @Test func readsAndAlertIncidents() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            var (type, text) = try await Self.say(client, "list")
            #expect(type == "ephemeral" && text.contains("*INC-1* [SEV3] triggered"))
            (_, text) = try await Self.say(client, "show 1")
            #expect(text.contains("(5/5 alerts firing)"))
            (_, text) = try await Self.say(client, "timeline 1")
            #expect(text.contains("incident opened"))
            (_, text) = try await Self.say(client, "roles 1")
            #expect(text.contains("commander: nobody"))
            (_, text) = try await Self.say(client, "runbook 1")
            #expect(text.hasPrefix("No runbook is attached to INC-1."))
            (_, text) = try await Self.say(client, "show 99")
            #expect(text == "No incident INC-99.")
            (_, text) = try await Self.say(client, "ack 99")
            #expect(text == "No incident INC-99.")
            (type, text) = try await Self.say(client, "frobnicate 1")
            #expect(type == "ephemeral" && text.hasPrefix("Unknown command `frobnicate`"))
            (_, text) = try await Self.say(client, "help sev")
            #expect(text.hasPrefix("`sev <ref> <sev1..sev4>`"))
        }
    }

    @Test func anonymousUsersCannotChangeIncidents() async throws {
        try await withApp { client in
            let (type, text) = try await Self.say(client, "declare sev1 x", user: nil)
            #expect(type == "ephemeral" && text.hasPrefix("Only identified users"))
            let (_, list) = try await Self.say(client, "list", user: nil)
            #expect(list == "No open incidents.")
        }
    }

    @Test func slashCommandFormIsUnderstoodAndIdentifiesByTeamAndUser() async throws {
        try await withApp { client in
            let form = "token=x&team_id=T1&team_domain=acme&channel_id=C1&channel_name=ops&user_id=U9&user_name=erin"
                + "&command=%2Ffirehouse&text=declare+sev3+Search+is+%22red%22&response_url=https%3A%2F%2Fhooks.example"
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: form),
                                                 headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(response.status == .ok)
            #expect((try json(response)["text"] as? String)?.contains("Search is \"red\"") == true)
            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline"))
            let first = try #require((timeline["timeline"] as? [[String: Any]])?.first)
            #expect(first["actor"] as? String == "erin")
            #expect((first["data"] as? [String: String])?["actorID"] == "T1:U9")
        }
    }

    @Test func malformedBodiesAre400() async throws {
        try await withApp { client in
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: "{\"user\":\"a\"}"))
            #expect(response.status == .badRequest)
            #expect(try json(response)["error"] as? String == "text: is required")
        }
    }
}

/// Slack request signing and Mattermost tokens.
struct ChatAuthTests {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let now = Timestamp(seconds: 1_795_616_890)
    static let body = "token=x&team_id=T1&user_id=U1&user_name=alice&text=list"

    static func sign(_ body: String, timestamp: Int64, secret: String = secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("v0:\(timestamp):\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "v0=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func headers(signature: String?, timestamp: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let signature { fields[SlackSignatureVerifier.signatureHeader] = signature }
        if let timestamp { fields[SlackSignatureVerifier.timestampHeader] = timestamp }
        return fields
    }

    static func flipped(_ signature: String) -> String {
        var chars = Array(signature)
        chars[10] = chars[10] == "0" ? "1" : "0"
        return String(chars)
    }

    @Test(arguments: [
        ("valid", sign(body, timestamp: now.nanoseconds / 1_000_000_000), "\(now.nanoseconds / 1_000_000_000)", body, HTTPResponse.Status.ok),
        ("flipped byte", flipped(sign(body, timestamp: now.nanoseconds / 1_000_000_000)), "\(now.nanoseconds / 1_000_000_000)", body, .unauthorized),
        ("body changed", sign(body, timestamp: now.nanoseconds / 1_000_000_000), "\(now.nanoseconds / 1_000_000_000)", body + "x", .unauthorized),
        ("wrong secret", sign(body, timestamp: now.nanoseconds / 1_000_000_000, secret: "other"), "\(now.nanoseconds / 1_000_000_000)", body, .unauthorized),
        ("stale", sign(body, timestamp: now.nanoseconds / 1_000_000_000 - 301), "\(now.nanoseconds / 1_000_000_000 - 301)", body, .unauthorized),
        ("future", sign(body, timestamp: now.nanoseconds / 1_000_000_000 + 301), "\(now.nanoseconds / 1_000_000_000 + 301)", body, .unauthorized),
        ("edge of window", sign(body, timestamp: now.nanoseconds / 1_000_000_000 - 300), "\(now.nanoseconds / 1_000_000_000 - 300)", body, .ok),
        ("missing signature", nil, "\(now.nanoseconds / 1_000_000_000)", body, .unauthorized),
        ("missing timestamp", sign(body, timestamp: now.nanoseconds / 1_000_000_000), nil, body, .unauthorized),
        ("garbage signature", "v0=zz", "\(now.nanoseconds / 1_000_000_000)", body, .unauthorized),
    ] as [(String, String?, String?, String, HTTPResponse.Status)])
    func slackSignature(name: String, signature: String?, timestamp: String?, body: String, status: HTTPResponse.Status) async throws {
        try await withApp({ $0.chat.slackSigningSecret = Self.secret }, clock: FixedClock(Self.now)) { client in
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: body),
                                                 headers: Self.headers(signature: signature, timestamp: timestamp))
            #expect(response.status == status, "\(name)")
            if status == .unauthorized { #expect(try json(response)["error"] is String) }
        }
    }

    @Test func replayedSlackRequestIsRefused() async throws {
        try await withApp({ $0.chat.slackSigningSecret = Self.secret }, clock: FixedClock(Self.now)) { client in
            let ts = Self.now.nanoseconds / 1_000_000_000
            let headers = Self.headers(signature: Self.sign(Self.body, timestamp: ts), timestamp: "\(ts)")
            let first = try await client.post("/api/v1/chat", ByteBuffer(string: Self.body), headers: headers)
            let replay = try await client.post("/api/v1/chat", ByteBuffer(string: Self.body), headers: headers)
            #expect(first.status == .ok)
            #expect(replay.status == .unauthorized)
            #expect(try json(replay)["error"] as? String == "replayed Slack request")
        }
    }

    @Test(arguments: [
        ("token=tok-123&user_name=a&text=list", nil as String?, HTTPResponse.Status.ok),
        ("token=wrong&user_name=a&text=list", nil, .unauthorized),
        ("user_name=a&text=list", nil, .unauthorized),
        ("user_name=a&text=list", "Token tok-123", .ok),
        ("user_name=a&text=list", "Token nope", .unauthorized),
    ])
    func mattermostToken(body: String, authorization: String?, status: HTTPResponse.Status) async throws {
        try await withApp({ $0.chat.token = "tok-123" }) { client in
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            if let authorization { headers[.authorization] = authorization }
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: body), headers: headers)
            #expect(response.status == status)
        }
    }

    @Test func unauthenticatedGarbageIs401Not400() async throws {
        try await withApp({ $0.chat.token = "tok-123" }) { client in
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: "\u{0}garbage"))
            #expect(response.status == .unauthorized)
        }
    }
}

/// Slack drops a slash command not answered within 3 seconds: a slow one is acknowledged at once
/// and answered through its `response_url`.
struct DelayedChatReplyTests {
    static let form = "team_id=T1&channel_name=ops&user_id=U9&user_name=erin&response_url=https%3A%2F%2Fhooks.slack.test%2Fcommands%2F1"

    @Test(.timeLimit(.minutes(1))) func aLateAnswerGoesToTheResponseURL() async throws {
        let http = FakeHTTP()
        let (stream, continuation) = AsyncStream.makeStream(of: OutboundRequest.self)
        http.onSend = { continuation.yield($0) }
        // A zero deadline answers every slash command with a response_url the late way.
        try await withApp({ $0.chat.replyDeadline = TimeSpan(nanoseconds: 0) }, http: http) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: Self.form + "&text=ack%201"),
                                                 headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(response.status == .ok)
            let now = try json(response)
            #expect(now["response_type"] as? String == "ephemeral" && (now["text"] as? String)?.hasPrefix("Working on it") == true)
            var late: OutboundRequest?
            for await request in stream where request.url == "https://hooks.slack.test/commands/1" {
                late = request
                break
            }
            let body = try jsonObject(try #require(late).body)
            #expect(body["response_type"] as? String == "in_channel")
            #expect((body["text"] as? String)?.contains("INC-1") == true)
            // The command itself was done.
            #expect(try json(try await client.get("/api/v1/incidents/1"))["status"] as? String == "acknowledged")
        }
    }

    @Test func aQuickAnswerStaysInTheResponse() async throws {
        let http = FakeHTTP()
        try await withApp(http: http) { client in
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: Self.form + "&text=help"),
                                                 headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect((try json(response)["text"] as? String)?.hasPrefix("Working on it") == false)
            #expect(http.requests.isEmpty)
        }
    }

    /// A late failure is told to the user with the reason, escaped, and a word that a lost
    /// connection may have applied the change: look before repeating it.
    @Test func aLateFailureSaysToCheckFirst() {
        let reply = ChatService.Reply.failed(StorageUnavailable(reason: "<PostgreSQL> closed"), logger: Logger(label: "test"), what: "chat command")
        #expect(reply == .ephemeral("Firehouse could not finish that: storage unavailable: &lt;PostgreSQL&gt; closed. "
            + "Check the incident, then try again."))
        let refused = ChatService.Reply.failed(APIError.badRequest("no such role"), logger: Logger(label: "test"), what: "chat command")
        #expect(refused == .ephemeral("Firehouse could not finish that: no such role."))
    }

    @Test func deliveryIsRetriedThenGivenUp() async throws {
        let flaky = FakeHTTP()
        let count = Counter()
        flaky.answer { _ in OutboundResponse(status: count.next() < 2 ? 503 : 200) }
        var replies = DelayedReplies(http: flaky, logger: Logger(label: "test"))
        replies.pause = { _ in }
        #expect(await replies.post(ChatService.Reply.inChannel("done"), to: "https://hooks.slack.test/x"))
        #expect(flaky.requests.count == 3)
        let gone = FakeHTTP { _ in OutboundResponse(status: 404) }
        replies = DelayedReplies(http: gone, logger: Logger(label: "test"))
        replies.pause = { _ in }
        #expect(await replies.post(ChatService.Reply.inChannel("done"), to: "https://hooks.slack.test/x") == false)
        #expect(gone.requests.count == 1, "a 4xx is not retried")
        let down = FakeHTTP { _ in throw FakeHTTP.Unreachable() }
        replies = DelayedReplies(http: down, logger: Logger(label: "test"))
        replies.pause = { _ in }
        #expect(await replies.post(ChatService.Reply.inChannel("done"), to: "https://hooks.slack.test/x") == false)
        #expect(down.requests.count == 3)
    }

    @Test(arguments: [("https://hooks.slack.com/commands/1", true), ("http://mm.local/hooks", true), ("javascript:x", false),
                      ("file:///etc/passwd", false), ("https://a b", false)])
    func responseURLs(_ url: String, _ accepted: Bool) {
        #expect(DelayedReplies.accepts(url) == accepted)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
    }
}

/// Buttons on Mattermost notifications and `POST /api/v1/chat/actions`, which acts only on contexts
/// Firehouse signed, as the clicking user.
struct ChatActionTests {
    static let token = "mm-slash-token"

    static func click(incident: Int64, action: String, signature: String, user: String? = "U7") -> ByteBuffer {
        var object: [String: Any] = ["team_id": "T1", "user_name": "erin", "channel_id": "C1", "post_id": "P1",
                                     "context": ["incident": incident, "action": action, "signature": signature]]
        if let user { object["user_id"] = user }
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    @Test func aSignedClickActsAsTheClickerAndUpdatesThePost() async throws {
        let signer = try #require(ChatActionSigner(chatToken: Self.token))
        try await withApp({ $0.chat.token = Self.token }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let response = try await client.post("/api/v1/chat/actions",
                                                 Self.click(incident: 1, action: "acknowledge", signature: signer.sign(incident: 1, button: .acknowledge)))
            #expect(response.status == .ok)
            let answer = try json(response)
            let update = try #require(answer["update"] as? [String: Any])
            #expect((update["message"] as? String)?.contains("acknowledged") == true)
            #expect((update["props"] as? [String: Any])?["attachments"] as? [Any] != nil)
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            #expect(incident["status"] as? String == "acknowledged")
            let timeline = try #require(incident["timeline"] as? [[String: Any]])
            #expect(timeline.last?["actor"] as? String == "erin")
            // The same click again changes nothing and says so to the clicker only.
            let again = try json(try await client.post("/api/v1/chat/actions",
                                                       Self.click(incident: 1, action: "acknowledge", signature: signer.sign(incident: 1, button: .acknowledge))))
            #expect(again["update"] == nil && (again["ephemeral_text"] as? String)?.contains("already acknowledged") == true)
        }
    }

    @Test func forgedOrUnsignedClicksAreRefused() async throws {
        let signer = try #require(ChatActionSigner(chatToken: Self.token))
        let other = try #require(ChatActionSigner(chatToken: "another-token"))
        try await withApp({ $0.chat.token = Self.token }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            for body in [Self.click(incident: 1, action: "acknowledge", signature: other.sign(incident: 1, button: .acknowledge)),
                         Self.click(incident: 1, action: "resolve", signature: signer.sign(incident: 1, button: .acknowledge)),
                         Self.click(incident: 2, action: "acknowledge", signature: signer.sign(incident: 1, button: .acknowledge)),
                         Self.click(incident: 1, action: "close", signature: "00"),
                         ByteBuffer(string: #"{"user_id": "U7"}"#)] {
                #expect(try await client.post("/api/v1/chat/actions", body).status == .unauthorized)
            }
            #expect(try json(try await client.get("/api/v1/incidents/1"))["status"] as? String == "triggered")
            let anonymous = try json(try await client.post("/api/v1/chat/actions",
                                                           Self.click(incident: 1, action: "acknowledge", signature: signer.sign(incident: 1, button: .acknowledge), user: nil)))
            #expect((anonymous["ephemeral_text"] as? String)?.hasPrefix("Only identified users") == true)
        }
        // Without a chat token nothing is signed, so nothing is accepted.
        try await withApp { client in
            let status = try await client.post("/api/v1/chat/actions",
                                               Self.click(incident: 1, action: "acknowledge", signature: signer.sign(incident: 1, button: .acknowledge))).status
            #expect(status == .unauthorized)
        }
    }

    @Test func buttonsFollowTheMovesTheIncidentAllows() {
        #expect(ChatActionSigner.buttons(for: .triggered) == [.acknowledge, .mitigate, .resolve])
        #expect(ChatActionSigner.buttons(for: .mitigated) == [.resolve])
        #expect(ChatActionSigner.buttons(for: .resolved).isEmpty)
        #expect(ChatActionSigner(chatToken: "") == nil)
    }
}

/// Slack's buttons: `block_actions` interactions, verified with the signing secret like commands.
struct SlackActionTests {
    static func payload(value: String, type: String = "block_actions", actionID: String = "firehouse_acknowledge",
                        trigger: String = "t1") -> String {
        let object: [String: Any] = [
            "type": type, "user": ["id": "U5", "username": "alice", "team_id": "T1"], "team": ["id": "T1"], "trigger_id": trigger,
            "actions": [["action_id": actionID, "value": value]],
            "response_url": "https://hooks.slack.test/actions/1",
        ]
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        return "payload=" + WebFormat.query(json)
    }

    static func signed(_ body: String) -> HTTPFields {
        let timestamp = ChatAuthTests.now.nanoseconds / 1_000_000_000
        return ChatAuthTests.headers(signature: ChatAuthTests.sign(body, timestamp: timestamp), timestamp: "\(timestamp)")
    }

    @Test(.timeLimit(.minutes(1))) func aSignedClickActsAndReplacesTheMessage() async throws {
        let http = FakeHTTP()
        let (stream, continuation) = AsyncStream.makeStream(of: OutboundRequest.self)
        http.onSend = { continuation.yield($0) }
        try await withApp({ $0.chat.slackSigningSecret = ChatAuthTests.secret }, clock: FixedClock(ChatAuthTests.now), http: http) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let body = Self.payload(value: "1:acknowledge")
            let response = try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: Self.signed(body))
            #expect(response.status == .ok)
            var update: OutboundRequest?
            for await request in stream where request.url == "https://hooks.slack.test/actions/1" {
                update = request
                break
            }
            let sent = try jsonObject(try #require(update).body)
            #expect(sent["replace_original"] as? Bool == true && (sent["text"] as? String)?.contains("acknowledged") == true)
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            #expect(incident["status"] as? String == "acknowledged")
            #expect((incident["timeline"] as? [[String: Any]])?.last?["actor"] as? String == "alice")
        }
    }

    @Test func unsignedOrUnknownClicksChangeNothing() async throws {
        try await withApp({ $0.chat.slackSigningSecret = ChatAuthTests.secret }, clock: FixedClock(ChatAuthTests.now)) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let body = Self.payload(value: "1:acknowledge")
            var forged = Self.signed(body)
            forged[SlackSignatureVerifier.signatureHeader] = ChatAuthTests.flipped(forged[SlackSignatureVerifier.signatureHeader]!)
            #expect(try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: forged).status == .unauthorized)
            for other in [Self.payload(value: "1:close"), Self.payload(value: "x:acknowledge"), Self.payload(value: "1:acknowledge", type: "view_submission")] {
                let response = try await client.post("/api/v1/chat/actions", ByteBuffer(string: other), headers: Self.signed(other))
                #expect(response.status == .ok, "not Firehouse's: acknowledged, nothing done")
            }
            #expect(try json(try await client.get("/api/v1/incidents/1"))["status"] as? String == "triggered")
        }
        // Without a signing secret a Slack click cannot be verified.
        try await withApp({ $0.chat.token = "mm" }) { client in
            let body = Self.payload(value: "1:acknowledge")
            let status = try await client.post("/api/v1/chat/actions", ByteBuffer(string: body),
                                               headers: [.contentType: "application/x-www-form-urlencoded"]).status
            #expect(status == .unauthorized)
        }
    }

    /// Slack app mode's buttons: the message is redrawn by the outbox, so only a refusal is
    /// answered, to the clicker alone; "Take commander" makes the clicker the commander.
    @Test(.timeLimit(.minutes(1))) func appButtonsActAndAnswerOnlyRefusals() async throws {
        let http = FakeHTTP()
        let (stream, continuation) = AsyncStream.makeStream(of: OutboundRequest.self)
        http.onSend = { continuation.yield($0) }
        try await withApp({ $0.chat.slackSigningSecret = ChatAuthTests.secret }, clock: FixedClock(ChatAuthTests.now), http: http) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            for (value, action) in [("1:commander", "firehouse_app_commander"), ("1:acknowledge", "firehouse_app_acknowledge")] {
                let body = Self.payload(value: value, actionID: action)
                #expect(try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: Self.signed(body)).status == .ok)
            }
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            #expect(incident["status"] as? String == "acknowledged")
            let roles = try #require(incident["roles"] as? [[String: Any]])
            #expect(roles.contains { $0["role"] as? String == "commander" && $0["user"] as? String == "alice" && $0["userID"] as? String == "U5" })
            // Acknowledging again is refused: that, and only that, goes to the clicker.
            let again = Self.payload(value: "1:acknowledge", actionID: "firehouse_app_acknowledge", trigger: "t2")
            #expect(try await client.post("/api/v1/chat/actions", ByteBuffer(string: again), headers: Self.signed(again)).status == .ok)
            var answer: OutboundRequest?
            for await request in stream where request.url == "https://hooks.slack.test/actions/1" {
                answer = request
                break
            }
            let sent = try jsonObject(try #require(answer).body)
            #expect(sent["response_type"] as? String == "ephemeral" && sent["replace_original"] as? Bool == false)
            #expect(http.requests.filter { $0.url == "https://hooks.slack.test/actions/1" }.count == 1, "successes are not answered")
        }
    }

    @Test func staleAndReplayedClicksAreRefused() async throws {
        try await withApp({ $0.chat.slackSigningSecret = ChatAuthTests.secret }, clock: FixedClock(ChatAuthTests.now)) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let body = Self.payload(value: "1:acknowledge")
            let old = ChatAuthTests.now.nanoseconds / 1_000_000_000 - 301
            let stale = ChatAuthTests.headers(signature: ChatAuthTests.sign(body, timestamp: old), timestamp: "\(old)")
            #expect(try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: stale).status == .unauthorized)
            let headers = Self.signed(body)
            #expect(try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: headers).status == .ok)
            let replay = try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: headers)
            #expect(replay.status == .unauthorized)
            #expect(try json(replay)["error"] as? String == "replayed Slack request")
            let wrong = ChatAuthTests.headers(signature: ChatAuthTests.sign(body, timestamp: old + 301, secret: "another-secret"),
                                              timestamp: "\(old + 301)")
            #expect(try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: wrong).status == .unauthorized)
        }
    }

    /// A click whose work outlasts the deadline (a silence waits on Alertmanager) is acknowledged
    /// at once and its outcome posted to the click's response_url.
    @Test(.timeLimit(.minutes(1))) func aSlowClickIsAnsweredThroughTheResponseURL() async throws {
        let http = SilenceRouteTests.alertmanager()
        let (stream, continuation) = AsyncStream.makeStream(of: OutboundRequest.self)
        http.onSend = { continuation.yield($0) }
        let configure: @Sendable (inout FirehouseConfig) -> Void = { config in
            config.chat.slackSigningSecret = ChatAuthTests.secret
            config.chat.replyDeadline = TimeSpan(nanoseconds: 0)
            SilenceRouteTests.configure(&config)
        }
        try await withApp(configure, clock: FixedClock(ChatAuthTests.now), http: http) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let body = Self.payload(value: "1:silence", actionID: "firehouse_silence")
            let response = try await client.post("/api/v1/chat/actions", ByteBuffer(string: body), headers: Self.signed(body))
            #expect(response.status == .ok)
            var answer: OutboundRequest?
            for await request in stream where request.url == "https://hooks.slack.test/actions/1" {
                answer = request
                break
            }
            let text = try jsonObject(try #require(answer).body)["text"] as? String ?? ""
            #expect(text.contains("silenced"), "\(text)")
            #expect(http.requests.contains { $0.url.hasPrefix("http://am:9093/api/v2/silences") })
        }
    }
}
