import Foundation
import Logging
import VigilRedisClient

/// vigil's published event (the fields this consumer reads; `event_data` stays raw).
struct Event: Decodable {
    let id: Int
    let eventType: String
    let cameraID: String
    let timestamp: String
    let frameNumber: Int

    enum CodingKeys: String, CodingKey {
        case id, eventType = "event_type", cameraID = "camera_id", timestamp, frameNumber = "frame_number"
    }
}

/// The cached status vigil keeps per camera.
struct CameraStatus: Decodable { let online: Bool; let fps: Double }

// VigilConsumer [--count N] [--camera ID]: prints each published event as `id camera type frame`,
// then the camera's cached status. REDIS_URL / REDIS_CHANNEL_NAME as vigil reads them.
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let count = option("--count").flatMap(Int.init) ?? 0
let camera = option("--camera")
let environment = ProcessInfo.processInfo.environment

var logger = Logger(label: "vigil-consumer")
logger.logLevel = .warning
let redis = RedisClient(configuration: try RedisConfiguration(environment: environment), logger: logger)
try await redis.connect()
let health = await redis.healthCheck()
FileHandle.standardError.write(Data("health \(String(decoding: try JSONEncoder().encode(health), as: UTF8.self))\nready\n".utf8))

let subscription = try await redis.subscribe(channels: [environment["REDIS_CHANNEL_NAME"] ?? "events"])
var received = 0
var lastCamera: String?
for await message in subscription {
    let event = try message.decode(Event.self)
    if let camera, event.cameraID != camera { continue }
    print("\(event.id) \(event.cameraID) \(event.eventType) \(event.frameNumber)")
    lastCamera = event.cameraID
    received += 1
    if count > 0 && received == count { break }
}
if let lastCamera, let status = try await redis.get("camera:\(lastCamera):status", as: CameraStatus.self) {
    print("status \(lastCamera) online=\(status.online) fps=\(status.fps)")
}
await redis.disconnect()
