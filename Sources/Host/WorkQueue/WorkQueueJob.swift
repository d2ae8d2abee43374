import Foundation
import PluginAPI

/// A job as producers push it (RPUSH): `{"camera_id": "camera-01", "image_path": "/data/f.jpg",
/// "timestamp": 1728649696.789}`; `timestamp` may also be ISO-8601 text, and defaults to now.
struct WorkQueueJob: Equatable {
    let cameraID: String
    let imagePath: String
    let timestamp: Timestamp

    /// Parses a job; the error says which key is wrong.
    init(parsing text: String) throws {
        guard let value = try? JSONValue(parsing: text), value.objectValue != nil else {
            throw WorkQueueError.badJob("not a JSON object")
        }
        guard let camera = value["camera_id"]?.stringValue, !camera.isEmpty else {
            throw WorkQueueError.badJob("camera_id: expected a non-empty string")
        }
        guard let path = value["image_path"]?.stringValue, !path.isEmpty else {
            throw WorkQueueError.badJob("image_path: expected a non-empty string")
        }
        cameraID = camera; imagePath = path
        switch value["timestamp"] {
        case nil, .null?:
            timestamp = Timestamp(secondsSince1970: Date().timeIntervalSince1970)
        case .string(let text)?:
            guard let date = Self.iso(text) else { throw WorkQueueError.badJob("timestamp: expected ISO-8601 text or seconds since 1970, found \"\(text)\"") }
            timestamp = Timestamp(secondsSince1970: date.timeIntervalSince1970)
        case let number?:
            guard let seconds = number.doubleValue else { throw WorkQueueError.badJob("timestamp: expected ISO-8601 text or seconds since 1970") }
            timestamp = Timestamp(secondsSince1970: seconds)
        }
    }

    private static func iso(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// Why a job was set aside (to `<list>:failed`) instead of run.
enum WorkQueueError: Error, CustomStringConvertible {
    case badJob(String)
    case unknownCamera(String, queue: String)
    case image(String)

    var description: String {
        switch self {
        case .badJob(let message): return "bad job: \(message)"
        case .unknownCamera(let camera, let queue): return "no camera \"\(camera)\" takes jobs from redis-queue://\(queue)"
        case .image(let message): return "image: \(message)"
        }
    }
}
