import FirehouseCore
@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A temporary runbooks directory.
final class TempRunbooks: Sendable {
    let url: URL
    var path: String { url.path }

    init(_ files: [String: String]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("runbooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    static func runbook(id: String, matchers: [String], sections: [String] = Runbook.requiredSections) -> String {
        "---\nid: \(id)\ntitle: \(id) title\nmatchers:\n" + matchers.map { "  - '\($0)'\n" }.joined() + "---\n"
            + sections.map { "## \($0)\n\($0) of \(id).\n" }.joined(separator: "\n")
    }
}

struct RunbookLoaderTests {
    @Test func theRepositoryLibraryIsCompleteAndClean() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../runbooks").standardized
        let (library, problems) = RunbookLoader.load(directory: dir.path)
        #expect(problems.isEmpty, "\(problems)")
        #expect(library.runbooks.count >= 19)
        for runbook in library.runbooks {
            for section in Runbook.requiredSections { #expect(runbook.section(section)?.isEmpty == false, "\(runbook.id) \(section)") }
            #expect(runbook.section("Diagnosis")?.contains("```") == true, "\(runbook.id) has no commands in Diagnosis")
        }
    }

    /// A runbook saved with Windows line endings loads as the same runbook ("\r\n" is one
    /// `Character`, so splitting at "\n" had made the file one line: "missing YAML front matter").
    /// Old Mac line endings (a lone CR) too, as YAML and CommonMark read them.
    @Test(arguments: ["\r\n", "\r"])
    func otherLineEndingsLoadTheSameRunbook(_ ending: String) throws {
        let text = TempRunbooks.runbook(id: "crlf", matchers: [#"alertname="A""#])
        let unix = try RunbookLoader.parse(text, path: "a.md").get()
        let other = try RunbookLoader.parse(text.replacingOccurrences(of: "\n", with: ending), path: "a.md").get()
        #expect(other == unix)
        for section in Runbook.requiredSections { #expect(other.section(section) == unix.section(section), "\(section)") }
    }

    /// The exported document (`GET /api/v1/incidents/:id/runbook`) loads back as the same runbook,
    /// whatever its values hold: each is written double-quoted. Unquoted, `Kafka: broker down` was
    /// not YAML, `a #b` lost `#b`, ` pad ` its spaces, and a line break could add a key.
    @Test(arguments: [
        "Kafka: broker down", "ends with a colon:", "- dash", "a #b", " pad ", "\tx\t", "&anchor x", "!tag x", "*alias",
        "'single'", "\"double\"", "it's", "%", "@", "`tick`", "{x}", "[x]", "yes", "~", "null", "1e3", "back\\slash",
        "x\nowner: evil", "x\n---\ny", "cr\r", "crlf\r\n", "nel\u{85}", "ls\u{2028}ps\u{2029}", "c0\u{1}", "del\u{7F}",
        "c1\u{9F}", "bom\u{FEFF}", "ünïcödé ✓ 🔥 e\u{301}",
    ])
    func exportedRunbooksLoadBackUnchanged(_ value: String) throws {
        let quoted = YAMLText.quoted(value)
        let source = "---\nid: x\ntitle: \(quoted)\nmatchers:\n  - \(YAMLText.quoted("alertname=" + value.promQuoted))\n"
            + "severity: \(quoted)\nowner: \(quoted)\n---\n" + Runbook.requiredSections.map { "## \($0)\ntext\n" }.joined()
        let runbook = try RunbookLoader.parse(source, path: "x.md").get()
        #expect(runbook.title == value && runbook.severity == value && runbook.owner == value)
        #expect(runbook.matchers.first?.value == value)
        #expect(try RunbookLoader.parse(runbook.markdown, path: "x.md").get() == runbook)
    }

    @Test func exportedFrontMatterIsDoubleQuoted() throws {
        let runbook = try RunbookLoader.parse(TempRunbooks.runbook(id: "kafka", matchers: [#"alertname="A""#]), path: "k.md").get()
        #expect(runbook.markdown.hasPrefix("---\nid: \"kafka\"\ntitle: \"kafka title\"\nmatchers:\n  - \"alertname=\\\"A\\\"\"\n---\n## "))
    }

    /// A Kubernetes ConfigMap volume: each file is a symlink into `..data`, itself a symlink to a
    /// hidden timestamped directory. Each runbook must load once.
    @Test func configMapVolumesLoadEachRunbookOnce() throws {
        let dir = try TempRunbooks(["..2026_11_25_15_00_00.1/kafka--broker-down.md": TempRunbooks.runbook(id: "k", matchers: [#"a="b""#])])
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("..data").path, withDestinationPath: "..2026_11_25_15_00_00.1")
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("kafka--broker-down.md").path,
                                  withDestinationPath: "..data/kafka--broker-down.md")
        let (library, problems) = RunbookLoader.load(directory: dir.path)
        #expect(problems.isEmpty, "\(problems)")
        #expect(library.runbooks.map(\.id) == ["k"])
        #expect(library.runbooks.first?.path == "kafka--broker-down.md")
    }

    @Test func problemsNameFileAndLine() throws {
        let dir = try TempRunbooks([
            "good.md": TempRunbooks.runbook(id: "good", matchers: [#"alertname="A""#]),
            "no-front-matter.md": "# just markdown\n",
            "bad-matcher.md": "---\nid: bad-matcher\ntitle: t\nmatchers:\n  - 'alertname=\"A\"'\n  - 'alertname=~\"(\"'\n---\n"
                + Runbook.requiredSections.map { "## \($0)\nx\n" }.joined(),
            "missing-section.md": TempRunbooks.runbook(id: "missing", matchers: [#"a="b""#], sections: ["Symptoms", "Impact"]),
            "dup.md": TempRunbooks.runbook(id: "good", matchers: [#"alertname="B""#]),
            "bad-yaml.md": "---\nid: [unclosed\n---\n",
            "unknown-key.md": "---\nid: unknown-key\ntitle: t\nmatchers: ['a=\"b\"']\nowners: x\n---\n"
                + Runbook.requiredSections.map { "## \($0)\nx\n" }.joined(),
            "README.md": "not a runbook",
        ])
        let (library, problems) = RunbookLoader.load(directory: dir.path)
        #expect(library.runbooks.map(\.id) == ["good"])
        let text = problems.map(\.description)
        #expect(text.contains { $0.hasPrefix("no-front-matter.md:1: missing YAML front matter") })
        #expect(text.contains { $0.hasPrefix("bad-matcher.md:6: bad matcher: invalid regex") })
        #expect(text.contains("missing-section.md:7: missing section \"## Diagnosis\""))
        #expect(text.contains { $0.hasPrefix("good.md:2: duplicate id \"good\"") || $0.hasPrefix("dup.md:2: duplicate id \"good\"") })
        #expect(text.contains { $0.hasPrefix("bad-yaml.md:2: front matter is not valid YAML") })
        #expect(text.contains("unknown-key.md:5: unknown front matter key \"owners\""))
        #expect(!text.contains { $0.hasPrefix("README.md") })
    }
}

struct RunbookRouteTests {
    @Test func incidentsGetTheirRunbookAndLinks() async throws {
        let dir = try TempRunbooks([
            "kafka/broker-down.md": TempRunbooks.runbook(
                id: "kafka-broker-down", matchers: [#"alertname="KafkaBrokerDown""#, #"severity=~"critical|error""#]),
            "kafka/any.md": TempRunbooks.runbook(id: "kafka-any", matchers: [#"service="kafka""#]),
        ])
        try await withApp({ $0.runbooks.path = dir.path }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            let runbook = try #require(incident["runbook"] as? [String: Any])
            #expect(runbook["id"] as? String == "kafka-broker-down")
            #expect(runbook["title"] as? String == "kafka-broker-down title")
            #expect(runbook["path"] as? String == "kafka/broker-down.md")
            #expect(runbook["url"] as? String == "https://runbooks.example.com/kafka/broker-down")
            let related = try #require(incident["relatedRunbooks"] as? [[String: Any]])
            #expect(related.map { $0["id"] as? String } == ["kafka-any"])
            let kinds = (incident["timeline"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(kinds.contains("runbook kafka-broker-down attached") && kinds.contains("runbook kafka-any attached"))

            let markdown = try await client.get("/api/v1/incidents/1/runbook")
            #expect(markdown.status == .ok)
            #expect(markdown.headers[.contentType]?.hasPrefix("text/markdown") == true)
            #expect(String(buffer: markdown.body).contains("## Mitigation\nMitigation of kafka-broker-down."))

            let list = try json(try await client.get("/api/v1/runbooks"))
            #expect((list["runbooks"] as? [[String: Any]])?.map { $0["id"] as? String } == ["kafka-any", "kafka-broker-down"])
            let one = try json(try await client.get("/api/v1/runbooks/kafka-broker-down"))
            #expect(one["matchers"] as? [String] == [#"alertname="KafkaBrokerDown""#, #"severity=~"critical|error""#])
            #expect((one["body"] as? String)?.contains("## Verification") == true)
            #expect(try await client.get("/api/v1/runbooks/nope").status == .notFound)

            let (_, text) = try await ChatRouteTests.say(client, "runbook 1")
            #expect(text.contains("*Mitigation*\nMitigation of kafka-broker-down."))
        }
    }

    @Test func alertRunbookURLIsKeptWithoutALocalRunbook() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            let runbook = try #require(incident["runbook"] as? [String: Any])
            #expect(runbook["id"] is NSNull)
            #expect(runbook["url"] as? String == "https://runbooks.example.com/kafka/broker-down")
            #expect(incident["runbookLinks"] as? [String] == ["https://runbooks.example.com/kafka/broker-down"])
            let missing = try await client.get("/api/v1/incidents/1/runbook")
            #expect(missing.status == .notFound)
            #expect((try json(missing)["error"] as? String)?.contains("linked: https://runbooks.example.com") == true)
        }
    }

    /// The periodic look (every replica's, `runbooks.reload_interval`) reloads only what changed.
    @Test func aPeriodicLookReloadsOnlyWhenTheFilesChanged() throws {
        let dir = try TempRunbooks(["a.md": TempRunbooks.runbook(id: "a", matchers: [#"alertname="A""#])])
        let catalog = RunbookCatalog(directory: dir.path, logger: .init(label: "test"))
        catalog.reload()
        #expect(!catalog.reloadIfChanged())
        try dir.write("b.md", TempRunbooks.runbook(id: "b", matchers: [#"alertname="B""#]))
        #expect(catalog.reloadIfChanged())
        #expect(catalog.shelf.library.runbooks.map(\.id).sorted() == ["a", "b"])
        #expect(!catalog.reloadIfChanged())
    }

    @Test func reloadPicksUpChangesAndSkipsBrokenFiles() async throws {
        let dir = try TempRunbooks(["a.md": TempRunbooks.runbook(id: "a", matchers: [#"alertname="A""#])])
        try await withApp({ $0.runbooks.path = dir.path }) { client in
            #expect((try json(try await client.get("/api/v1/runbooks"))["runbooks"] as? [Any])?.count == 1)
            try dir.write("b.md", TempRunbooks.runbook(id: "b", matchers: [#"alertname="KafkaBrokerDown""#]))
            try dir.write("broken.md", "---\nid: broken\n")
            let report = try json(try await client.post("/api/v1/runbooks/reload", ByteBuffer()))
            #expect(report["loaded"] as? Int == 2)
            #expect((report["problems"] as? [String])?.first?.hasPrefix("broken.md") == true)
            // The reloaded library is used for the next incident.
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            #expect((incident["runbook"] as? [String: Any])?["id"] as? String == "b")
        }
    }
}
