import VigilRedisClient

/// The Redis keys of one work queue (a list `L`) as seen by one host `H`:
/// - `L`: jobs waiting (producers RPUSH, hosts BLMOVE from the head);
/// - `L:processing:H`: jobs host H has taken and not yet finished;
/// - `L:alive:H`: set with a TTL (the lease) and refreshed while H runs;
/// - `L:hosts`: every host that may hold a processing list;
/// - `L:failed`: jobs set aside, as `{"job", "reason", "host", "failed_at"}`.
struct WorkQueueKeys: Sendable {
    let queue: String
    let host: String

    var processing: String { processing(of: host) }
    var alive: String { alive(of: host) }
    var hosts: String { "\(queue):hosts" }
    var failed: String { "\(queue):failed" }
    func processing(of host: String) -> String { "\(queue):processing:\(host)" }
    func alive(of host: String) -> String { "\(queue):alive:\(host)" }

    /// Takes the next job into this host's processing list (BLMOVE), waiting up to `timeout`.
    func take(_ client: RedisClient, timeout: Duration) async throws -> String? {
        try await client.move(from: queue, to: processing, timeout: timeout)
    }

    /// The job is done: forget it.
    func acknowledge(_ job: String, _ client: RedisClient) async throws {
        try await client.remove(job, from: processing)
    }

    /// The job could not be saved now: back to the head of the queue, atomically.
    func requeue(_ job: String, _ client: RedisClient) async throws {
        try await transaction(client, ["LREM", processing, "1", job], ["LPUSH", queue, job])
    }

    /// The job cannot be run: to the failed list with the reason, atomically.
    func setAside(_ job: String, entry: String, _ client: RedisClient) async throws {
        try await transaction(client, ["LREM", processing, "1", job], ["RPUSH", failed, entry])
    }

    /// Renews this host's lease and registration.
    func heartbeat(_ client: RedisClient, lease: Duration) async throws {
        try await client.set(alive, to: "1", ttl: lease)
        try await client.send("SADD", hosts, host)
    }

    /// Puts every job of `host`'s processing list back at the head of the queue, oldest first;
    /// returns how many. Each LMOVE is atomic, so two hosts reaping at once never duplicate a job.
    func requeueAll(of host: String, _ client: RedisClient) async throws -> Int {
        var moved = 0
        while try await client.send(["LMOVE", processing(of: host), queue, "RIGHT", "LEFT"]) != .null { moved += 1 }
        return moved
    }

    /// Hosts whose lease expired (other than this one).
    func deadHosts(_ client: RedisClient) async throws -> [String] {
        guard case .array(let members) = try await client.send("SMEMBERS", hosts) else { return [] }
        var dead: [String] = []
        for case let name? in members.map(\.text) where name != host {
            if try await !client.exists(alive(of: name)) { dead.append(name) }
        }
        return dead
    }

    private func transaction(_ client: RedisClient, _ commands: [String]...) async throws {
        let replies = try await client.pipeline([["MULTI"]] + commands + [["EXEC"]])
        if case .error(let message) = replies.last ?? .null {
            throw RedisClientError.server(command: "EXEC", message: message)
        }
    }
}
