import FirehouseCore
import Foundation
import Yams

/// A problem found in a runbook file, with the line it is on (1-based; 0 when it concerns the file).
public struct RunbookProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Reads runbook files: YAML front matter plus a Markdown body with the required sections.
public enum RunbookLoader {
    /// Loads every `*.md` under `directory` (README.md and hidden paths excluded). Broken files are
    /// skipped and reported; they never stop the others from loading.
    public static func load(directory: String) -> (library: RunbookLibrary, problems: [RunbookProblem]) {
        let root = URL(fileURLWithPath: directory)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return (RunbookLibrary(), [RunbookProblem(file: directory, line: 0, message: "cannot read the runbooks directory")])
        }
        var runbooks: [Runbook] = []
        var problems: [RunbookProblem] = []
        var seen: [String: String] = [:]
        // Hidden paths are skipped: a Kubernetes ConfigMap volume holds every file twice, as a
        // symlink and under `..data/` / `..<timestamp>/`, and editors leave `.#x.md` behind.
        let files = enumerator.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "md" && $0.lastPathComponent.lowercased() != "readme.md" }
            .map { $0.path }.sorted()
            .map { file in (file, file.hasPrefix(root.path + "/") ? String(file.dropFirst(root.path.count + 1)) : file) }
            .filter { _, relative in !relative.split(separator: "/").contains { $0.hasPrefix(".") } }
        for (file, relative) in files {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                problems.append(RunbookProblem(file: relative, line: 0, message: "cannot read the file as UTF-8"))
                continue
            }
            switch parse(text, path: relative) {
            case .success(let runbook):
                if let other = seen[runbook.id] {
                    problems.append(RunbookProblem(file: relative, line: 2, message: "duplicate id \"\(runbook.id)\" (also in \(other))"))
                    continue
                }
                seen[runbook.id] = relative
                runbooks.append(runbook)
            case .failure(let fileProblems):
                problems += fileProblems.problems
            }
        }
        return (RunbookLibrary(runbooks), problems)
    }

    /// Problems of one file, collected so `runbooks check` can show them all.
    public struct FileProblems: Error {
        public var problems: [RunbookProblem]
    }

    public static func parse(_ text: String, path: String) -> Result<Runbook, FileProblems> {
        var problems: [RunbookProblem] = []
        func problem(_ line: Int, _ message: String) { problems.append(RunbookProblem(file: path, line: line, message: message)) }
        let lines = text.textLines
        guard lines.first == "---", let end = lines.dropFirst().firstIndex(of: "---") else {
            problem(1, "missing YAML front matter (a first line \"---\" and a closing \"---\")")
            return .failure(FileProblems(problems: problems))
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        let body = lines[(end + 1)...].joined(separator: "\n")
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            problem(2, "front matter is not valid YAML: \(error)")
            return .failure(FileProblems(problems: problems))
        }
        guard let mapping = node?.mapping else {
            problem(2, "front matter must be a mapping with id, title and matchers")
            return .failure(FileProblems(problems: problems))
        }
        func line(of key: String) -> Int {
            (mapping.first { $0.key.string == key }?.key.mark?.line).map { $0 + 1 } ?? 2
        }
        let known: Set<String> = ["id", "title", "matchers", "severity", "owner"]
        for key in mapping.keys.compactMap(\.string) where !known.contains(key) {
            problem(line(of: key), "unknown front matter key \"\(key)\"")
        }
        let id = mapping["id"]?.string ?? ""
        if id.isEmpty || !id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
            problem(line(of: "id"), "id must be lowercase letters, digits and dashes")
        }
        let title = mapping["title"]?.string ?? ""
        if title.isEmpty { problem(line(of: "title"), "title is required") }
        var matchers: [LabelMatcher] = []
        if let list = mapping["matchers"]?.sequence, !list.isEmpty {
            for item in list {
                let itemLine = (item.mark?.line).map { $0 + 1 } ?? line(of: "matchers")
                guard let text = item.string else {
                    problem(itemLine, "a matcher must be a string like alertname=\"KafkaBrokerDown\"")
                    continue
                }
                do {
                    matchers.append(try LabelMatcher(parsing: text))
                } catch {
                    problem(itemLine, "bad matcher: \(error)")
                }
            }
        } else {
            problem(line(of: "matchers"), "matchers must be a non-empty list")
        }
        let headings = body.textLines.enumerated().compactMap { index, text in
            text.hasPrefix("## ") ? (String(text.dropFirst(3)).trimmingCharacters(in: .whitespaces), end + 2 + index) : nil
        }
        for section in Runbook.requiredSections where !headings.contains(where: { $0.0 == section }) {
            problem(end + 2, "missing section \"## \(section)\"")
        }
        guard problems.isEmpty else { return .failure(FileProblems(problems: problems)) }
        return .success(Runbook(
            id: id, title: title, matchers: matchers, severity: mapping["severity"]?.string,
            owner: mapping["owner"]?.string, path: path, body: body))
    }
}
