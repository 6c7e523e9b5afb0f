import ArgumentParser
import FirehouseCore
import FirehouseServer
import Foundation

/// `firehouse drill`: a synthetic alert through Alertmanager and back, with a pass/fail report.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Prove the whole alerting path: a synthetic drill alert through Alertmanager to an incident and back.",
        discussion: """
            Posts an alert (a runbook's matchers plus the drill label) to Alertmanager's API v2, waits for Firehouse to \
            open the drill incident with that runbook attached, resolves the alert through Alertmanager, waits for the \
            auto-resolve, closes the incident and prints the time each hop took. Exit code 0 only on pass.
            """)

    @Option(help: "Alertmanager's URL, e.g. http://alertmanager:9093.")
    var alertmanager: String

    @Option(help: "Firehouse's URL.")
    var firehouse = "http://127.0.0.1:9095"

    @Option(help: "An API token with the write scope (or $FIREHOUSE_API_TOKEN).")
    var token: String?

    @Option(help: "The runbook to rehearse (default: the first whose matchers are all =).")
    var runbook: String?

    @Option(help: "How long to wait for each of Firehouse's reactions in all, e.g. 2m.")
    var timeout = "2m"

    @Option(help: "The label that marks a drill's alerts (drills.label).")
    var drillLabel = "drill"

    @Option(help: "Its value (drills.value).")
    var drillValue = "true"

    func run() async throws {
        guard let span = TimeSpan(parsing: timeout), span.nanoseconds > 0 else { throw ValidationError("--timeout: expected a duration such as 2m") }
        for (name, url) in [("--alertmanager", alertmanager), ("--firehouse", firehouse)] where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("\(name): expected an http:// or https:// URL")
        }
        let options = DrillRun.Options(alertmanager: alertmanager, firehouse: firehouse,
                                       token: token ?? ProcessInfo.processInfo.environment["FIREHOUSE_API_TOKEN"], runbook: runbook,
                                       timeout: span, drillLabel: drillLabel, drillValue: drillValue)
        let run = String(UUID().uuidString.prefix(8)).lowercased()
        let report = await DrillRun(options: options, now: { SystemClock().now() }, run: run).execute()
        print(report.text)
        if !report.passed { throw ExitCode(1) }
    }
}
