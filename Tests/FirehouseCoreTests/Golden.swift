import Foundation
import Testing

/// Compares rendered documents with files in Tests/FirehouseCoreTests/Golden.
/// Run with UPDATE_GOLDEN=1 to rewrite them after an intended change (then review the diff).
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) differs from the golden file; UPDATE_GOLDEN=1 rewrites it", sourceLocation: sourceLocation)
    }
}
