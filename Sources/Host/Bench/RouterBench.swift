import ArgumentParser
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilRedis
import VigilRouter
import VigilSupport

/// `vigil bench router`: real PostgreSQL and Redis, a real subscriber counting receipts.
struct RouterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Save and publish N events; print throughput, emit→subscriber latency and losses.")

    @Option(help: "Events to send.") var events = 100_000
    @Option(help: "Events per second to send at (default: as fast as possible).") var rate: Double?
    @Option(help: "Seconds to wait for the last receipts.") var timeout = 30.0
    @Option(help: "Spool folder (default: a temporary one, removed at the end).") var spool: String?
    @Option(help: "Camera id prefix; events cycle over four cameras.") var cameraPrefix = "camera-"

    func run() throws {
        let settings = try Settings.load()
        guard let url = settings.databaseURL else {
            throw ValidationError("DATABASE_URL is not set (run through scripts/with-services.sh)")
        }
        var logger = LogSetup.rootLogger()
        logger.logLevel = .warning
        let channel = "vigil-bench-\(getpid())"
        let spool = self.spool ?? FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-spool-\(getpid())").path
        defer { if self.spool == nil { try? FileManager.default.removeItem(atPath: spool) } }

        let subscriber = try BenchSubscriber(address: settings.redis, channel: channel, expected: events)
        let router = try Router(options: .init(databaseURL: url,
                                               publish: PublishOptions(redis: settings.redis, channel: channel),
                                               spoolDirectory: spool), logger: logger)
        router.start()
        subscriber.start()

        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<events {
            if let rate {
                let due = start + UInt64(Double(i) / rate * 1e9)
                let now = DispatchTime.now().uptimeNanoseconds
                if due > now { usleep(UInt32((due - now) / 1000)) }  // sleep, don't spin: the router needs the CPU
            }
            let now = DispatchTime.now().uptimeNanoseconds
            router.submit(NewEvent(
                type: "bench", cameraID: "\(cameraPrefix)\(i % 4)", frameNumber: i,
                timestamp: Timestamp(secondsSince1970: Date().timeIntervalSince1970), snapshotPath: nil,
                data: ["seq": .int(i), "sent_ns": .int(Int(now)), "motion_intensity": 0.5]))
        }
        let received = subscriber.wait(timeout: timeout)
        let end = subscriber.lastReceipt
        router.shutdown()

        let seconds = Double(end > start ? end - start : 1) / 1e9
        let latencies = subscriber.latencies.sorted()
        func pct(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6
        }
        print("saved=\(router.stats["saved"]) published=\(router.stats["published"]) spooled=\(router.stats["spooled"]) received=\(received)")
        print(String(format: "router events=%d events_per_s=%.0f p50_ms=%.3f p99_ms=%.3f lost=%d",
                     events, Double(received) / seconds, pct(0.50), pct(0.99), events - received))
    }
}

/// A Redis subscriber on its own connection and thread, recording receipt latency per event.
final class BenchSubscriber: @unchecked Sendable {
    private let connection: RedisConnection
    private let expected: Int
    private let done = DispatchSemaphore(value: 0)
    private(set) var latencies: [UInt64] = []
    private(set) var lastReceipt: UInt64 = 0
    private var seen: Set<Int> = []
    private let lock = NSLock()

    init(address: RedisAddress, channel: String, expected: Int) throws {
        connection = try RedisConnection(host: address.host, port: address.port, database: address.database,
                                         password: address.password)
        _ = try connection.command(["SUBSCRIBE", channel])
        connection.setTimeout(seconds: 0)  // block: a hiredis read timeout would end the connection
        self.expected = expected
        latencies.reserveCapacity(expected)
    }

    func start() {
        let thread = Thread { [self] in
            while true {
                guard let reply = try? connection.readReply() else { break }
                guard case .array(let parts) = reply, parts.count == 3, let payload = parts[2].text else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                // Measuring equipment: read the two numbers without a full parse, to leave the CPU to vigil.
                guard let seq = Self.number(after: "\"seq\": ", in: payload),
                      let sent = Self.number(after: "\"sent_ns\": ", in: payload) else { continue }
                lock.lock()
                if seen.insert(seq).inserted { latencies.append(now - UInt64(sent)); lastReceipt = now }
                let count = seen.count
                lock.unlock()
                if count >= expected { done.signal(); break }
            }
        }
        thread.start()
    }

    static func number(after key: String, in text: String) -> Int? {
        guard let r = text.range(of: key) else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    var finishedCount: Int { lock.lock(); defer { lock.unlock() }; return seen.count }

    /// Waits until every event arrived or nothing new arrived for `timeout` seconds; returns the count.
    func wait(timeout: Double) -> Int {
        var last = -1
        while done.wait(timeout: .now() + timeout) == .timedOut {
            let now = finishedCount
            if now == last { break }
            last = now
        }
        return finishedCount
    }
}
