import Foundation
import PluginAPI

/// Writes one line per event to stdout, flushed at once (tail is read by people and pipes).
final class TailPrinter: Sendable {
    enum Format: Sendable { case json, text }

    /// The parts of a published event tail looks at; nil when the payload is not a vigil event.
    struct Fields {
        var id: Int64?
        var camera: String?
        var type: String?
        var timestamp: String?
        var data: JSONValue?

        init(payload: String) {
            guard let value = try? JSONValue(parsing: payload) else { return }
            id = value["id"]?.intValue.map(Int64.init)
            camera = value["camera_id"]?.stringValue
            type = value["event_type"]?.stringValue
            timestamp = value["timestamp"]?.stringValue
            data = value["event_data"]
        }
    }

    private let format: Format
    private let lock = NSLock()

    init(format: Format) { self.format = format }

    func print(_ payload: String, _ fields: Fields) {
        var line: String
        switch format {
        case .json:
            line = payload
        case .text:
            if let id = fields.id {
                let data = fields.data.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                line = "\(fields.timestamp ?? "-") \(fields.camera ?? "-") \(fields.type ?? "-") #\(id) \(data)"
            } else {
                line = payload
            }
        }
        line.append("\n")
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}
