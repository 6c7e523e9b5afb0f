import ArgumentParser
import FirehouseCore
import FirehouseServer

/// `firehouse runbooks check|match`.
struct Runbooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the runbook library, or see which runbook an alert would get.",
        subcommands: [Check.self, Match.self])

    /// `firehouse runbooks check [DIR]`
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse every runbook; report bad front matter, bad matchers, duplicate ids and missing sections.")

        @Argument(help: "Runbooks directory.")
        var directory: String = "runbooks"

        func run() async throws {
            let (library, problems) = RunbookLoader.load(directory: directory)
            var stderr = StandardError()
            for problem in problems { print("\(directory)/\(problem)", to: &stderr) }
            print("\(library.runbooks.count) runbooks ok, \(problems.count) problem\(problems.count == 1 ? "" : "s")")
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    /// `firehouse runbooks match label=value ...`
    struct Match: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print which runbook an alert with these labels would get, and why. Exit 1 if none.")

        @Option(help: "Runbooks directory.")
        var directory: String = "runbooks"

        @Argument(help: "Alert labels, e.g. alertname=KafkaBrokerDown severity=critical")
        var labels: [String]

        func run() async throws {
            var set = LabelSet()
            for pair in labels {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw ValidationError("expected label=value, got \(pair)")
                }
                set[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            let (library, problems) = RunbookLoader.load(directory: directory)
            var stderr = StandardError()
            for problem in problems { print("skipped \(directory)/\(problem)", to: &stderr) }
            let matches = library.matching([set])
            guard let primary = matches.first else {
                print("no runbook matches \(set.canonicalText)")
                throw ExitCode(1)
            }
            print("attach: \(primary.id) (\(primary.path)) — \(why(primary))")
            for other in matches.dropFirst() { print("also relevant: \(other.id) (\(other.path)) — \(why(other))") }
        }

        func why(_ runbook: Runbook) -> String {
            let equality = runbook.matchers.filter(\.isEquality).count
            return "matchers \(runbook.matchers.map(\.description).joined(separator: ", ")) all match"
                + " (\(runbook.matchers.count) matchers, \(equality) equality)"
        }
    }
}
