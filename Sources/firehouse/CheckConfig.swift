import ArgumentParser
import FirehouseServer

/// `firehouse check-config [PATH]`: validate a config file, naming each bad key.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a config file and print what is wrong, with the key path.")

    @Argument(help: "Config file (default: config/firehouse.yml).")
    var path: String = "config/firehouse.yml"

    func run() async throws {
        let settings = try ConfigLoading.resolve(path: path, listen: nil, database: nil)
        print("\(path): ok (listen \(settings.server.listen), database \(settings.database.described))")
    }
}
