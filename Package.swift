// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "firehouse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "firehouse", targets: ["firehouse"]),
        // For the libFuzzer package in fuzz/.
        .library(name: "FirehouseCore", targets: ["FirehouseCore"]),
        .executable(name: "firehouse-bench", targets: ["FirehouseBench"]),
        .executable(name: "firehouse-bench-render", targets: ["RenderBench"]),
        .executable(name: "firehouse-bench-ingest", targets: ["IngestBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Pure domain: payloads, correlation, lifecycle. No I/O, no clock of its own.
        .target(name: "FirehouseCore"),
        // Use cases: each one's transaction script over the narrow `IncidentStore` primitives.
        .target(name: "FirehouseService", dependencies: ["FirehouseCore"]),
        .target(
            name: "FirehouseStore",
            dependencies: [
                "FirehouseCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // PostgreSQL: the same primitives over postgres-nio, for several replicas on one database.
        .target(
            name: "FirehousePostgres",
            dependencies: [
                "FirehouseCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "FirehouseServer",
            dependencies: [
                "FirehouseCore",
                "FirehouseService",
                "FirehouseStore",
                "FirehousePostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "firehouse",
            dependencies: [
                "FirehouseServer",
                "FirehouseService",
                "FirehouseStore",
                "FirehousePostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "BenchSupport", path: "bench/Sources/BenchSupport"),
        .executableTarget(
            name: "FirehouseBench",
            dependencies: [
                "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/Sources/FirehouseBench"
        ),
        .executableTarget(name: "RenderBench", dependencies: ["FirehouseCore"], path: "bench/Sources/RenderBench"),
        // Callgrind's client requests (no-ops without valgrind's headers), for bench/instructions.sh.
        .target(name: "CallgrindControl", path: "bench/Sources/CallgrindControl"),
        .executableTarget(name: "IngestBench",
                          dependencies: ["BenchSupport", "CallgrindControl", "FirehouseCore", "FirehouseService", "FirehouseStore",
                                         "FirehouseServer",
                                         .product(name: "Logging", package: "swift-log"),
                                         .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                          path: "bench/Sources/IngestBench"),
        // Shared by the test targets: golden-file comparison.
        .target(name: "GoldenSupport", path: "Tests/GoldenSupport"),
        .testTarget(
            name: "FirehouseCoreTests",
            dependencies: ["FirehouseCore", "GoldenSupport"],
            exclude: ["Golden"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "FirehouseStoreTests",
            dependencies: ["FirehouseStore", "FirehousePostgres", "FirehouseCore", "FirehouseService",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "FirehouseServerTests",
            dependencies: [
                "FirehouseServer",
                "FirehouseService",
                "FirehouseStore",
                "FirehousePostgres",
                "GoldenSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
