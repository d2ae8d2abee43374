import Foundation
import Logging
import ServiceLifecycle
import VigilRedisClient

/// Keeps each camera's status in the cache: `camera:<id>:status` = `{"fps": …, "online": …}` with
/// a TTL (300 s), rewritten every `interval` while vigil runs, so a host that dies leaves keys that
/// expire. At shutdown every camera is written once more as offline.
package final class CameraStatusReporter: Service, Sendable {
    /// One camera's status as cached.
    package struct Status: Codable, Equatable, Sendable {
        package var online: Bool
        package var fps: Double
        package init(online: Bool, fps: Double) { self.online = online; self.fps = (fps * 100).rounded() / 100 }
    }

    private let client: RedisClient
    private let cameras: @Sendable () -> [(id: String, status: Status)]
    private let interval: Duration
    private let ttl: Duration
    private let logger: Logger

    package init(client: RedisClient, interval: Duration = .seconds(10), ttl: Duration = .seconds(300), logger: Logger,
                 cameras: @escaping @Sendable () -> [(id: String, status: Status)]) {
        self.client = client; self.cameras = cameras; self.interval = interval; self.ttl = ttl; self.logger = logger
    }

    /// The cache key of a camera's status.
    package static func key(_ cameraID: String) -> String { "camera:\(cameraID):status" }

    package func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await write(cameras())
                if failing { logger.info("Camera status cached again") }
                failing = false
            } catch RedisClientError.notConnected {
                // Redis is not (yet) connected; RedisService says so and keeps trying.
            } catch {
                if !failing { logger.warning("Camera status not cached", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        try? await write(cameras().map { ($0.id, Status(online: false, fps: 0)) })
    }

    private func write(_ statuses: [(id: String, status: Status)]) async throws {
        guard !statuses.isEmpty else { return }
        let ms = String(Int(ttl / .milliseconds(1)))
        let commands = try statuses.map { entry -> [String] in
            let json = String(decoding: try JSONEncoder.sorted.encode(entry.status), as: UTF8.self)
            return ["SET", Self.key(entry.id), json, "PX", ms]
        }
        for reply in try await client.pipeline(commands) {
            if case .error(let message) = reply { throw RedisClientError.server(command: "SET", message: message) }
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, so cached JSON is the same bytes every time.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
