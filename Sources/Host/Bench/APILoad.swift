import Foundation
import PluginAPI
import VigilCurl

/// Concurrent HTTP clients for `vigil bench api`: `clients` loops, each sending its next GET as
/// soon as the last one answered, over kept-alive connections (libcurl's multi interface), for a
/// fixed time. Every answer must be 200; every 10th body is also checked (`check`, outside the
/// timed part) so a fast wrong answer cannot pass for a fast right one.
struct APILoad {
    /// What a run measured.
    struct Result {
        var ms: [Double]
        var seconds: Double
        var failures: [String]
        var count: Int { ms.count }
        var perSecond: Double { Double(ms.count) / seconds }
        func p(_ q: Double) -> Double { ms.isEmpty ? 0 : ms[min(ms.count - 1, Int(Double(ms.count - 1) * q))] }
    }

    /// Results gathered by the client tasks.
    private final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var ms: [Double] = []
        private var failures: [String] = []
        func add(_ v: [Double], _ f: [String]) { lock.lock(); ms += v; failures += f; lock.unlock() }
        var result: ([Double], [String]) { lock.lock(); defer { lock.unlock() }; return (ms, failures) }
    }

    let clients: Int
    let seconds: Double

    /// Runs the clients; `url(client, n)` is the n-th URL of a client, `check` returns a problem or nil.
    func run(url: @escaping @Sendable (Int, Int) -> String,
             check: @escaping @Sendable (String, [UInt8]) -> String?) async throws -> Result {
        let client = try CurlClient(maxConnections: clients)
        defer { client.shutdown() }
        // Open every connection first, so the timed part measures requests, not handshakes.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<clients { group.addTask { _ = try await client.send(HTTPRequest(method: "GET", url: url(c, 0))) } }
            try await group.waitForAll()
        }
        let collector = Collector()
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(seconds * 1e9)
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<clients {
                group.addTask {
                    var ms: [Double] = [], failures: [String] = []
                    var n = 0
                    while DispatchTime.now().uptimeNanoseconds < end {
                        let target = url(c, n)
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        do {
                            let response = try await client.send(HTTPRequest(method: "GET", url: target))
                            ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                            if response.status != 200 {
                                failures.append("\(target): HTTP \(response.status)")
                            } else if n % 10 == 0, let problem = check(target, response.body) {
                                failures.append("\(target): \(problem)")
                            }
                        } catch {
                            failures.append("\(target): \(error)")
                        }
                        n += 1
                    }
                    collector.add(ms, failures)
                }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (ms, failures) = collector.result
        return Result(ms: ms.sorted(), seconds: elapsed, failures: failures)
    }

    /// A list page's problem, if any: not JSON, fewer events than `pageSize`, another camera's event.
    static func checkList(camera: String, pageSize: Int, _ body: [UInt8]) -> String? {
        guard let page = try? JSONValue(parsing: String(decoding: body, as: UTF8.self)),
              let events = page["events"]?.arrayValue, let total = page["total"]?.intValue else { return "not an event page" }
        guard events.count == min(pageSize, total) else { return "\(events.count) events on a page of \(pageSize), total \(total)" }
        guard events.allSatisfy({ $0["camera_id"]?.stringValue == camera }) else { return "an event of another camera" }
        return nil
    }
}
