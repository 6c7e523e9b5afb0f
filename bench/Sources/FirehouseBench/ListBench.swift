import BenchSupport
import AsyncHTTPClient
import NIOCore

import Foundation

/// The incident-list benchmark: fills a server with `incidents` open incidents (one alert each),
/// then times walking the whole open list page by page, and the first page alone.
struct ListBench {
    let client: HTTPClient
    let url: String
    let sender: Sender

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
        var firstPages: [Duration] = []
        for _ in 0..<200 { firstPages.append(try await get("/api/v1/incidents?status=open&limit=50").0) }
        func ms(_ d: Duration) -> String { String(format: "%.1fms", Sender.Result.seconds(d) * 1000) }
        func p(_ values: [Duration], _ q: Double) -> Duration { values.sorted()[min(values.count - 1, Int(Double(values.count) * q))] }
        print("list: open incidents=\(listed) whole list (pages of 500, \(Int((Double(listed) / 500).rounded(.up))) requests): "
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

    private func get(_ path: String) async throws -> (Duration, Page) {
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await client.execute(HTTPClientRequest(url: url + path), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        let elapsed = clock.now - start
        guard response.status.code == 200 else { throw ListError("GET \(path): HTTP \(response.status.code)") }
        return (elapsed, try JSONDecoder().decode(Page.self, from: Data(body.readableBytesView)))
    }

    struct ListError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
