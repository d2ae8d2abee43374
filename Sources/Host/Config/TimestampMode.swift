/// How a camera reading a file stamps its frames (`cameras[].timestamps` in plugins.json).
/// Live streams are always stamped with the time the frame is read.
package enum TimestampMode: String, Sendable, Equatable {
    /// The default: the time vigil reads the frame. Never in the future, however fast a file is
    /// processed; when a file goes faster than real time its events are closer together than in the video.
    case now
    /// The time the camera started plus the frame's position in the file: the video's own spacing
    /// (durations and dwell times as filmed), but ahead of the clock when a file is processed
    /// faster than real time (`realtime: true` paces it instead).
    case media

    static func read(_ cam: inout ConfigReader) throws -> TimestampMode {
        guard let value = cam.value("timestamps") else { return .now }
        guard let text = value.stringValue, let mode = TimestampMode(rawValue: text) else {
            throw cam.error("timestamps", "expected \"now\" (the time a frame is read) or \"media\" (start time + position in the file), found \(value.jsonString)")
        }
        return mode
    }
}
