/// One chat command: its name, how to use it, and how to parse its arguments. The table of these
/// both dispatches commands and generates `help`.
public struct CommandSpec: Sendable {
    public var name: String
    public var aliases: [String]
    /// e.g. `assign <ref> <role> <@user>`
    public var usage: String
    public var summary: String
    let parse: @Sendable (inout ArgumentReader) throws -> ChatCommand

    init(_ name: String, aliases: [String] = [], usage: String, _ summary: String,
         parse: @escaping @Sendable (inout ArgumentReader) throws -> ChatCommand) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.parse = parse
    }
}

/// Typed access to a command's arguments; every failure names what was wrong.
public struct ArgumentReader {
    var scanner: CommandScanner
    let command: String
    let roles: RoleCatalog

    func fail(_ message: String) -> ChatParseError { .badArgument(command: command, message: message) }

    mutating func word(_ what: String) throws -> String {
        guard let word = try scanner.word(), !word.isEmpty else { throw fail("missing \(what)") }
        return word
    }

    mutating func ref() throws -> Int64 {
        let text = try word("incident reference (12, #12 or INC-12)")
        guard let id = IncidentReference.parse(text) else {
            throw fail("\"\(text.prefix(40))\" is not an incident reference (use 12, #12 or INC-12)")
        }
        return id
    }

    mutating func severity() throws -> Severity {
        try severity(from: try word("severity (sev1..sev4)"))
    }

    func severity(from text: String) throws -> Severity {
        guard let severity = Severity(name: text) else { throw fail("\"\(text.prefix(20))\" is not a severity (use sev1..sev4)") }
        return severity
    }


    mutating func role() throws -> String {
        let text = try word("role")
        guard let role = roles.resolve(text) else {
            throw fail("unknown role \"\(text.prefix(30))\" (roles: \(roles.names.joined(separator: ", ")))")
        }
        return role
    }

    mutating func user() throws -> ChatUser {
        let text = try word("user (@name)")
        guard let user = ChatUser(mention: text) else { throw fail("\"\(text.prefix(40))\" is not a user (use @name)") }
        return user
    }

    mutating func duration() throws -> TimeSpan {
        let text = try word("duration (e.g. 30m, 2h, 1h30m)")
        guard let span = TimeSpan(parsing: text), span.nanoseconds > 0 else {
            throw fail("\"\(text.prefix(20))\" is not a duration (use e.g. 30m, 2h, 1h30m)")
        }
        return span
    }

    mutating func text(_ what: String) throws -> String {
        let rest = scanner.rest()
        guard !rest.isEmpty else { throw fail("missing \(what)") }
        return rest
    }

    mutating func optionalText() -> String? {
        let rest = scanner.rest()
        return rest.isEmpty ? nil : rest
    }

    mutating func optionalWord() throws -> String? { try scanner.word() }

    func end() throws {
        guard scanner.isAtEnd else { throw fail("unexpected extra words") }
    }
}
