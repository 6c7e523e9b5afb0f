import ArgumentParser
import FirehouseServer

/// The `firehouse` command.
@main
struct Firehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firehouse",
        abstract: "Incident response bot: Alertmanager webhooks become incidents.",
        version: BuildInfo.version,
        subcommands: [Serve.self, CheckConfig.self, Runbooks.self, Postmortem.self, BackupCommand.self, DrillCommand.self],
        defaultSubcommand: Serve.self)
}
