import ArgumentParser
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPostgres
import VigilRedis
import VigilRouter
import VigilSupport

/// `vigil bench router`: real PostgreSQL and Redis, a real subscriber counting receipts (and
/// receipts of an event already received), and afterwards the rows in PostgreSQL counted: the
/// figures come from outside the router, not from its own counters.
struct RouterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Save and publish N events; print throughput, emit→subscriber latency and losses.")

    @Option(help: "Events to send.") var events = 100_000
    @Option(help: "Events per second to send at (default: as fast as possible).") var rate: Double?
    @Option(help: "Seconds to wait for the last receipts.") var timeout = 30.0
    @Option(help: "Spool folder (default: a temporary one, removed at the end).") var spool: String?
    @Option(help: "Camera id prefix; events cycle over four cameras.") var cameraPrefix = "camera-"
    @Option(help: "Threads submitting (event i from thread i % N), like that many camera loops.") var producers = 1
    @Flag(help: "Events carry a plate (an anpr_result); with PLATE_ENCRYPTION_KEY set they are stored encrypted.") var plates = false

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

        let run = String(UUID().uuidString.prefix(8)).lowercased()
        let subscriber = try BenchSubscriber(address: settings.redis, channel: channel, expected: events)
        var publish = PublishOptions(redis: settings.redis, channel: channel)
        publish.plates = settings.plates.publish  // PLATE_PUBLISH: plain (decrypted), encrypted or redacted
        var options = Router.Options(databaseURL: url, publish: publish, spoolDirectory: spool)
        options.durableIntake = settings.durableIntake   // DURABLE_INTAKE=true: each submit waits for its group fsync
        let vault = try PlateVault(settings.plates)
        let router = try Router(options: options, logger: logger, database: Database(url: url, plates: vault))
        router.start()
        subscriber.start()

        let start = DispatchTime.now().uptimeNanoseconds
        let (events, rate, cameraPrefix, producers) = (self.events, self.rate, self.cameraPrefix, max(1, self.producers))
        Self.onThreads(producers) { p in
            for i in stride(from: p, to: events, by: producers) {
                if let rate {
                    let due = start + UInt64(Double(i) / rate * 1e9)
                    let now = DispatchTime.now().uptimeNanoseconds
                    if due > now { usleep(UInt32((due - now) / 1000)) }  // sleep, don't spin: the router needs the CPU
                }
                let now = DispatchTime.now().uptimeNanoseconds
                router.submit(NewEvent(
                    type: "bench", cameraID: "\(cameraPrefix)\(i % 4)", frameNumber: i,
                    timestamp: Timestamp(secondsSince1970: Date().timeIntervalSince1970), snapshotPath: nil,
                    data: plates ? ["seq": .int(i), "sent_ns": .int(Int(now)), "run": .string(run),
                                    "anpr_result": ["license_plate": .string("AB\(10_000 + i % 90_000)"), "confidence": 0.9, "region": "us"]]
                                 : ["seq": .int(i), "sent_ns": .int(Int(now)), "motion_intensity": 0.5, "run": .string(run)]))
            }
        }
        let received = subscriber.wait(timeout: timeout)
        let end = subscriber.lastReceipt
        router.shutdown()

        let seconds = Double(end > start ? end - start : 1) / 1e9
        let latencies = subscriber.latencies.sorted()
        func pct(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6
        }
        // The rows of this run, counted in PostgreSQL.
        let db = try Database(url: url).connect()
        let cameras = "{" + (0..<4).map { "\"\(cameraPrefix)\($0)\"" }.joined(separator: ",") + "}"
        let counted = try db.query("""
            SELECT count(*), count(DISTINCT event_data->>'seq'),
                   count(*) FILTER (WHERE event_data->'anpr_result'->>'license_plate' LIKE 'AB%') FROM events
            WHERE camera_id = ANY($1::varchar[]) AND event_type = 'bench' AND event_data->>'run' = $2
            """, [cameras, run])
        let rows = Int(counted[0, 0] ?? "0") ?? 0, distinctRows = Int(counted[0, 1] ?? "0") ?? 0
        if plates, vault != nil {
            // Checked in the table, not trusted: no row of the run may hold its plate in plain text.
            print("plates: rows holding a plain plate=\(counted[0, 2] ?? "?") (must be 0)")
            if counted[0, 2] != "0" { throw ExitCode.failure }
        }
        print("saved=\(router.stats[.saved]) published=\(router.stats[.published]) spooled=\(router.stats[.spooled]) rows=\(rows) distinct_rows=\(distinctRows) received=\(received) duplicates_received=\(subscriber.duplicates)"
              + " durable_intake=\(options.durableIntake) producers=\(producers) plates=\(plates ? (vault != nil ? "encrypted" : "plain") : "none")")
        // lost: events neither saved nor received; duplicates: events saved or received more than once.
        print(String(format: "router events=%d events_per_s=%.0f p50_ms=%.3f p99_ms=%.3f lost=%d rows=%d duplicates=%d",
                     events, Double(received) / seconds, pct(0.50), pct(0.99), events - min(received, distinctRows), rows,
                     (rows - distinctRows) + subscriber.duplicates))
    }
}

extension RouterBench {
    /// Runs `body(0..<n)` on n threads of their own (camera loops block in `submit`) and waits for all.
    static func onThreads(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchGroup()
        for p in 0..<n {
            done.enter()
            Thread { body(p); done.leave() }.start()
        }
        done.wait()
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
    private var duplicateCount = 0
    private let lock = NSLock()

    init(address: RedisAddress, channel: String, expected: Int) throws {
        connection = try RedisConnection(host: address.host, port: address.port, database: address.database,
                                         password: address.password, username: address.username)
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
                if seen.insert(seq).inserted { latencies.append(now - UInt64(sent)); lastReceipt = now } else { duplicateCount += 1 }
                let count = seen.count
                lock.unlock()
                if count >= expected { done.signal(); break }
            }
        }
        thread.start()
    }

    /// The whole number right after `key` in `text`, searched byte by byte (Foundation's
    /// `range(of:)` cost the subscriber a third of a core at 25,000 events/s and capped the bench).
    static func number(after key: String, in text: String) -> Int? {
        let hay = Array(text.utf8), needle = Array(key.utf8)
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == needle[0], hay[i..<(i + needle.count)].elementsEqual(needle) {
                var j = i + needle.count, value = 0, digits = 0
                while j < hay.count, hay[j] >= 48, hay[j] <= 57 { value = value * 10 + Int(hay[j] - 48); j += 1; digits += 1 }
                return digits > 0 ? value : nil
            }
            i += 1
        }
        return nil
    }

    var finishedCount: Int { lock.lock(); defer { lock.unlock() }; return seen.count }

    /// Events received more than once (each extra receipt counts).
    var duplicates: Int { lock.lock(); defer { lock.unlock() }; return duplicateCount }

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
