import Foundation
import Testing

/// Rendered documents compared with files in a test target's `Golden` directory.
/// Run with UPDATE_GOLDEN=1 to rewrite them after an intended change (then review the diff).
public struct GoldenFiles: Sendable {
    public let directory: URL

    /// The `Golden` directory beside the file that creates this value.
    public init(besideFile filePath: String = #filePath) {
        directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    public func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) differs from the golden file; UPDATE_GOLDEN=1 rewrites it", sourceLocation: sourceLocation)
    }
}
