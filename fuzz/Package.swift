// swift-tools-version:6.0
// libFuzzer targets for the pure core, in their own package so the main build never tries to link
// them (libFuzzer provides `main`). Build and run: fuzz/run.sh (see the README).
import PackageDescription

let package = Package(
    name: "firehouse-fuzz",
    dependencies: [.package(path: "..")],
    targets: ["FuzzWebhook", "FuzzChat", "FuzzMatcher", "FuzzPostmortem"].map { name in
        .executableTarget(name: name, dependencies: [.product(name: "FirehouseCore", package: "firehouse")])
    }
)
