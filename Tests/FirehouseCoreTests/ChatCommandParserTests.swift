@testable import FirehouseCore
import Testing

struct ChatCommandParserTests {
    let parser = ChatCommandParser()

    @Test(arguments: [
        ("help", ChatCommand.help(topic: nil)),
        ("HELP Assign", .help(topic: "assign")),
        ("list", .list(.open)),
        ("list all", .list(.all)),
        ("List Resolved", .list(.only(.resolved))),
        ("show 12", .show(12)),
        ("show #12", .show(12)),
        ("show inc-12", .show(12)),
        ("  show    INC-12  ", .show(12)),
        ("timeline 3", .timeline(3)),
        ("declare sev1 Checkout is down", .declare(.sev1, title: "Checkout is down")),
        ("declare SEV2 \"Payments: 5xx spike\"", .declare(.sev2, title: "Payments: 5xx spike")),
        ("declare 3   spaced    title ", .declare(.sev3, title: "spaced    title")),
        ("ack 7", .act(7, .move(.acknowledge, summary: nil))),
        ("acknowledge #7", .act(7, .move(.acknowledge, summary: nil))),
        ("status 7 investigating", .act(7, .move(.investigate, summary: nil))),
        ("status 7 Mitigated", .act(7, .move(.mitigate, summary: nil))),
        ("status 7 resolved rolled back", .act(7, .move(.resolve, summary: "rolled back"))),
        ("mitigate 7", .act(7, .move(.mitigate, summary: nil))),
        ("resolve 7", .act(7, .move(.resolve, summary: nil))),
        ("resolve 7 bad deploy of checkout v2.3, rolled back", .act(7, .move(.resolve, summary: "bad deploy of checkout v2.3, rolled back"))),
        ("reopen 7", .act(7, .move(.reopen, summary: nil))),
        ("close 7", .act(7, .move(.close, summary: nil))),
        ("sev 7 sev2", .act(7, .setSeverity(.sev2))),
        ("severity 7 SEV4", .act(7, .setSeverity(.sev4))),
        ("assign 7 ic @alice", .act(7, .assign(role: "commander", user: ChatUser(id: "alice", name: "alice")))),
        ("assign 7 Commander <@U024BE7LH|bob>", .act(7, .assign(role: "commander", user: ChatUser(id: "U024BE7LH", name: "bob")))),
        ("assign 7 comms carol", .act(7, .assign(role: "communications", user: ChatUser(id: "carol", name: "carol")))),
        ("unassign 7 ops", .act(7, .unassign(role: "operations"))),
        ("roles 7", .roles(7)),
        ("note 7 it's the DNS, again", .act(7, .note("it's the DNS, again"))),
        ("note 7 \"quoted note\"", .act(7, .note("quoted note"))),
        ("title 7 Checkout latency", .act(7, .retitle("Checkout latency"))),
        ("runbook 7", .runbook(7)),
    ])
    func parses(text: String, expected: ChatCommand) throws {
        #expect(try parser.parse(text) == expected)
    }

    @Test(arguments: [
        ("", ChatParseError.empty),
        ("   ", .empty),
        ("dance 7", .unknownCommand("dance")),
        ("ack", .badArgument(command: "ack", message: "missing incident reference (12, #12 or INC-12)")),
        ("ack twelve", .badArgument(command: "ack", message: "\"twelve\" is not an incident reference (use 12, #12 or INC-12)")),
        ("ack 0", .badArgument(command: "ack", message: "\"0\" is not an incident reference (use 12, #12 or INC-12)")),
        ("ack -3", .badArgument(command: "ack", message: "\"-3\" is not an incident reference (use 12, #12 or INC-12)")),
        ("ack 7 now", .badArgument(command: "ack", message: "unexpected extra words")),
        ("declare sev5 x", .badArgument(command: "declare", message: "\"sev5\" is not a severity (use sev1..sev4)")),
        ("declare sev1", .badArgument(command: "declare", message: "missing title")),
        ("status 7 closed", .badArgument(command: "status", message: "\"closed\" is not a status you can set (use investigating, mitigated or resolved)")),
        ("assign 7 chef @alice", .badArgument(command: "assign", message: "unknown role \"chef\" (roles: commander, communications, operations, scribe)")),
        ("assign 7 ic", .badArgument(command: "assign", message: "missing user (@name)")),
        ("assign 7 ic @al!ce", .badArgument(command: "assign", message: "\"@al!ce\" is not a user (use @name)")),
        ("note 7", .badArgument(command: "note", message: "missing note text")),
        ("list everything", .badArgument(command: "list", message: "\"everything\" is not a status filter (use open, resolved, closed or all)")),
        ("assign 7 \"commander @bob", .unbalancedQuote),
    ])
    func rejects(text: String, expected: ChatParseError) {
        #expect(throws: expected) { try parser.parse(text) }
    }

    @Test func overlongCommandsAreRejected() {
        let parser = ChatCommandParser(maxLength: 100)
        #expect(throws: ChatParseError.tooLong(limit: 100)) { try parser.parse("note 1 " + String(repeating: "x", count: 200)) }
    }

    @Test func rolesAreConfigurable() throws {
        let parser = ChatCommandParser(roles: RoleCatalog(roles: [.init(name: "lead", aliases: ["l"])]))
        #expect(try parser.parse("assign 1 l @a") == .act(1, .assign(role: "lead", user: ChatUser(id: "a", name: "a"))))
        #expect(throws: ChatParseError.self) { try parser.parse("assign 1 ic @a") }
    }

    @Test func everyCommandHasUsageStartingWithItsName() {
        var names = Set<String>()
        for spec in ChatCommandParser.table {
            #expect(spec.usage.hasPrefix(spec.name))
            for name in [spec.name] + spec.aliases { #expect(names.insert(name).inserted, "\(name) twice") }
        }
    }
}

struct ChatCommandIncidentTests {
    @Test(arguments: [("ack 12", Int64(12)), ("silence INC-7 1h x", 7), ("show #3", 3), ("runbook 4", 4),
                      ("list", nil), ("declare sev2 x", nil), ("help ack", nil)] as [(String, Int64?)])
    func theIncidentACommandIsAbout(text: String, id: Int64?) throws {
        #expect(try ChatCommandParser().parse(text).incidentID == id)
    }
}
