// swift-tools-version:6.0
// libFuzzer targets for the pure core, in their own package so the main build never tries to link
// them (libFuzzer provides `main`). Build and run: fuzz/run.sh (see the README).
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which differs between clones.
let core = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "firehouse-fuzz",
    dependencies: [.package(path: "..")],
    targets: [.target(name: "FuzzSupport")] + ["FuzzWebhook", "FuzzChat", "FuzzMatcher", "FuzzPostmortem", "FuzzTime", "FuzzMarkdown"].map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "FirehouseCore", package: core)])
    }
)
