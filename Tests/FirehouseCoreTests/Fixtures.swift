import FirehouseCore
import Foundation

/// The Alertmanager 0.25 captures copied from shared/fixtures/alertmanager.
enum Fixtures {
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json") else {
            throw FixtureMissing(name: name)
        }
        return try Data(contentsOf: url)
    }

    static func notification(_ name: String) throws -> AlertmanagerNotification {
        try AlertmanagerNotification.decode(json: Array(data(name)))
    }

    static var allNames: [String] {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    struct FixtureMissing: Error { var name: String }
}
