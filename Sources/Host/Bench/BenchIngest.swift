import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPostgres
import VigilRouter

/// Events pouring in while `vigil bench api` measures: the real router (PostgreSQL, Redis) fed at a
/// steady rate over four cameras of this run's own (`bench-live-<run>-0…3`), from a thread of its
/// own. What was really saved is counted afterwards in PostgreSQL, not taken from the router.
final class BenchIngest: @unchecked Sendable {
    let cameras: [String]
    let rate: Double
    private let router: Router
    private let databaseURL: String
    private let lock = NSLock()
    private var stopping = false
    private let done = DispatchGroup()
    private var started = 0.0, stopped = 0.0

    init(rate: Double, databaseURL: String, settings: Settings, logger: Logger) throws {
        let run = String(UUID().uuidString.prefix(6)).lowercased()
        cameras = (0..<4).map { "bench-live-\(run)-\($0)" }
        self.rate = rate
        self.databaseURL = databaseURL
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-api-spool-\(run)").path
        router = try Router(options: .init(databaseURL: databaseURL,
                                           publish: PublishOptions(redis: settings.redis, channel: "vigil-bench-api-\(run)"),
                                           spoolDirectory: spool), logger: logger)
    }

    /// Starts the router and the feeding thread.
    func start() {
        router.start()
        done.enter()
        let thread = Thread { [self] in feed(); done.leave() }
        thread.name = "bench-ingest"
        thread.start()
    }

    /// Stops feeding, lets the router save what is queued; returns the rows saved per second.
    func stop() throws -> (rows: Int, perSecond: Double) {
        lock.lock(); stopping = true; lock.unlock()
        done.wait()
        router.shutdown()
        let db = try Database(url: databaseURL).connect()
        let rows = Int(try db.query("SELECT count(*) FROM events WHERE camera_id = ANY($1::varchar[])",
                                    ["{" + cameras.joined(separator: ",") + "}"])[0, 0] ?? "0") ?? 0
        return (rows, Double(rows) / (stopped - started))
    }

    private var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    private func feed() {
        let start = DispatchTime.now().uptimeNanoseconds
        started = Date().timeIntervalSince1970
        var i = 0
        while !isStopping {
            let due = start + UInt64(Double(i) / rate * 1e9)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { usleep(UInt32(min(100_000, (due - now) / 1000))); continue }
            let camera = cameras[i % cameras.count]
            _ = router.submit(NewEvent(type: ["motion", "tracking", "anpr"][i % 3], cameraID: camera, frameNumber: i,
                                       timestamp: Timestamp(secondsSince1970: Date().timeIntervalSince1970), snapshotPath: nil,
                                       data: ["motion_intensity": 0.42, "affected_area_percentage": 3.25, "seq": .int(i)]))
            i += 1
        }
        stopped = Date().timeIntervalSince1970
    }
}
