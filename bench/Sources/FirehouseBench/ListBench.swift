import BenchSupport

import Foundation

/// The incident-list benchmark: fills a server with `incidents` open incidents (one alert each),
/// then times the whole open list in one request (`limit` up to 10,000), walking it page by page,
/// and the first page alone.
struct ListBench {
    let sender: Sender
    let connection: RawConnection

    func run(incidents: Int, generator: inout Generator) async throws {
        let open = try await countOpen()
        if open < incidents {
            let bodies = (0..<(incidents - open)).map { _ in generator.group(status: "firing").firing }
            let fill = try await sender.closedLoop(bodies, concurrency: 64)
            guard fill.failures == 0 else { throw ListError("\(fill.failures) notifications failed while filling") }
        }
        var walks: [Duration] = []
        var listed = 0
        for _ in 0..<20 {
            let (elapsed, count) = try await walk(pageSize: 500)
            walks.append(elapsed)
            listed = count
        }
        var wholes: [Duration] = []
        for _ in 0..<20 { wholes.append(try await get("/api/v1/incidents?status=open&limit=\(max(1, min(incidents, 10_000)))").0) }
        var firstPages: [Duration] = []
        for _ in 0..<200 { firstPages.append(try await get("/api/v1/incidents?status=open&limit=50").0) }
        func ms(_ d: Duration) -> String { String(format: "%.1fms", Sender.Result.seconds(d) * 1000) }
        func p(_ values: [Duration], _ q: Double) -> Duration { values.sorted()[min(values.count - 1, Int(Double(values.count) * q))] }
        print("list: open incidents=\(listed) whole list in one request: median=\(ms(p(wholes, 0.5))) max=\(ms(wholes.max()!)); "
            + "in pages of 500 (\(Int((Double(listed) / 500).rounded(.up))) requests): "
            + "median=\(ms(p(walks, 0.5))) max=\(ms(walks.max()!)); first page of 50: p50=\(ms(p(firstPages, 0.5))) p99=\(ms(p(firstPages, 0.99)))")
    }

    private func walk(pageSize: Int) async throws -> (Duration, Int) {
        let clock = ContinuousClock()
        let start = clock.now
        var before: Int64?
        var count = 0
        repeat {
            let (_, page) = try await get("/api/v1/incidents?status=open&limit=\(pageSize)" + (before.map { "&before=\($0)" } ?? ""))
            count += page.incidents.count
            before = page.next
        } while before != nil
        return (clock.now - start, count)
    }

    private func countOpen() async throws -> Int { try await walk(pageSize: 500).1 }

    struct Page: Decodable {
        struct Item: Decodable { var id: Int64 }
        var incidents: [Item]
        var next: Int64?
    }

    /// Timed on a raw keep-alive connection (as the load generator posts), so the client's own
    /// buffering of a 4 MB body is not counted; the page is decoded after the clock stops.
    private func get(_ path: String) async throws -> (Duration, Page) {
        let (host, port, _) = sender.endpoint
        let request = RawConnection.get(path: path, host: "\(host):\(port)")
        let start = Monotonic.now
        let status = try connection.send(request)
        let elapsed = Duration.nanoseconds(Int64(Monotonic.now - start))
        guard status == 200 else { throw ListError("GET \(path): HTTP \(status)") }
        return (elapsed, try JSONDecoder().decode(Page.self, from: Data(connection.body)))
    }

    struct ListError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
