import Foundation
import VigilConfig
import VigilRedis

/// The status page's Redis check, as the seed's health check did it: a fresh connection (1 s
/// timeout) and `redis_version` from `INFO server`. hiredis blocks, so the check runs on one
/// thread of its own (started on demand, ended after 10 idle seconds), never one per request:
/// requests arriving while a check runs wait for that check, and an answer serves for `maxAge`.
final class RedisHealth: @unchecked Sendable {
    /// A check's outcome: the server's version, or why there is none.
    struct Outcome: Sendable, Equatable {
        var version: String?
        var error: String?
    }

    private let address: RedisAddress?
    private let maxAge: Double
    private let condition = NSCondition()
    private var waiters: [CheckedContinuation<Outcome, Never>] = []
    private var threadRunning = false
    private var last: (at: Double, outcome: Outcome)?
    private var checksRun = 0

    init(address: RedisAddress?, maxAge: Double = 1) {
        self.address = address; self.maxAge = maxAge
    }

    /// How many checks have reached Redis so far.
    var checks: Int { condition.lock(); defer { condition.unlock() }; return checksRun }

    /// The latest outcome, checking again when it is older than `maxAge`.
    func check() async -> Outcome {
        guard address != nil else { return Outcome(version: nil, error: "Redis is not configured") }
        return await withCheckedContinuation { (c: CheckedContinuation<Outcome, Never>) in
            condition.lock()
            if let last, Self.now() - last.at < maxAge {
                condition.unlock()
                c.resume(returning: last.outcome)
                return
            }
            waiters.append(c)
            if !threadRunning {
                threadRunning = true
                let thread = Thread { [self] in work() }
                thread.name = "vigil-redis-health"
                thread.start()
            }
            condition.signal()
            condition.unlock()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while waiters.isEmpty {
                if !condition.wait(until: Date(timeIntervalSinceNow: 10)) && waiters.isEmpty {
                    threadRunning = false
                    condition.unlock()
                    return
                }
            }
            // Everyone waiting now gets this check's answer.
            let served = waiters
            waiters = []
            condition.unlock()
            let outcome = probe()
            condition.lock()
            checksRun += 1
            last = (Self.now(), outcome)
            // Those who came while it ran get it too: it is as fresh as an answer can be.
            let all = served + waiters
            waiters = []
            condition.unlock()
            all.forEach { $0.resume(returning: outcome) }
            condition.lock()
        }
    }

    private func probe() -> Outcome {
        guard let address else { return Outcome(version: nil, error: "Redis is not configured") }
        do {
            let conn = try RedisConnection(host: address.host, port: address.port, database: address.database,
                                           password: address.password, timeoutSeconds: 1)
            guard case .string(let info) = try conn.command(["INFO", "server"]),
                  let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("redis_version:") }) else {
                return Outcome(version: nil, error: "INFO server has no redis_version")
            }
            return Outcome(version: String(line.dropFirst("redis_version:".count)), error: nil)
        } catch { return Outcome(version: nil, error: "\(error)") }
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
