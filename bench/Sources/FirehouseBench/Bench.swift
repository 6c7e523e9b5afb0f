import ArgumentParser
import BenchSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Load generator: posts realistic Alertmanager notifications at a running firehouse.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firehouse-bench",
        abstract: "Post Alertmanager notifications at a running firehouse and report throughput and latency.")

    @Option(help: "Base URL of the firehouse under test.")
    var url = "http://127.0.0.1:9095"

    @Option(help: "storm (new alerts), repeat (duplicates), resolve, mixed, or list (incident-list latency with --notifications open incidents).")
    var scenario: Scenario = .mixed

    @Option(help: "Concurrent senders (closed loop). Ignored with --rate.")
    var concurrency = 16

    @Option(help: "Notifications to send.")
    var notifications = 5000

    @Option(help: "Open loop: send this many notifications per second instead of as fast as possible.")
    var rate: Int?

    @Option(help: "Most alerts in one notification (each has 1...max).")
    var maxAlerts = 10

    @Option(help: "Seed for the generated label values, so runs are repeatable.")
    var seed: UInt64 = 42

    @Option(help: "Bearer token, if the server wants one.")
    var token: String?

    @Option(help: "Base URL of another replica of the same service (repeatable); senders are spread over all of them.")
    var replica: [String] = []

    @Option(help: "A firehouse process (repeatable): its CPU during the measured phase (not the warm-up) is reported per notification.")
    var cpuPid: [Int32] = []

    @Option(help: "Processes by name, e.g. postgres (repeatable): their CPU during the measured phase is reported per notification.")
    var cpuName: [String] = []

    func run() async throws {
        let sender = Sender(url: url + "/api/v1/alertmanager", token: token, replicas: replica.map { $0 + "/api/v1/alertmanager" })
        var generator = Generator(seed: seed, maxAlerts: maxAlerts, runID: String(UInt64.random(in: 0..<UInt64.max), radix: 36))
        try await run(sender: sender, generator: &generator)
    }

    private func run(sender: Sender, generator: inout Generator) async throws {
        if scenario == .list {
            var single = Generator(seed: seed, maxAlerts: 1, runID: generator.runID)
            let (host, port, _) = sender.endpoint
            try await ListBench(sender: sender, connection: RawConnection(host: host, port: port))
                .run(incidents: notifications, generator: &single)
            return
        }
        let workload = generator.workload(scenario, count: notifications)
        if !workload.warmup.isEmpty {
            _ = try await sender.closedLoop(workload.warmup, concurrency: concurrency)
        }
        let cpuBefore = cpuTicks()
        let result = if let rate {
            try await sender.openLoop(workload.measured, perSecond: rate)
        } else {
            try await sender.closedLoop(workload.measured, concurrency: concurrency)
        }
        let cpuAfter = cpuTicks()
        let mode = rate.map { "rate=\($0)/s" } ?? "c=\(concurrency)"
        print(result.report(label: "\(scenario.rawValue) \(mode)"))
        if !cpuBefore.isEmpty {
            let perNotification = zip(cpuBefore, cpuAfter).map { before, after in
                "\(before.name) \(Int(Double(after.ticks - before.ticks) / ProcessCPU.ticksPerSecond / Double(workload.measured.count) * 1e6))us"
            }
            print("  cpu/notification: " + perNotification.joined(separator: ", "))
        }
        if result.failures > 0 { throw ExitCode(1) }
    }
}

extension Bench {
    /// CPU ticks of `--cpu-pid` (together, as firehouse) and of each `--cpu-name`.
    func cpuTicks() -> [(name: String, ticks: Int64)] {
        (cpuPid.isEmpty ? [] : [("firehouse", cpuPid.reduce(0) { $0 + ProcessCPU.ticks(pid: $1) })])
            + cpuName.map { ($0, ProcessCPU.ticks(named: $0)) }
    }
}

extension Scenario: ExpressibleByArgument {}
