import Foundation
import PluginAPI
import VigilRouter

/// A sink's dead-letter file: one JSON line per event that exhausted its attempts or failed for
/// good, with the event exactly as published, so `vigil dead-letter replay` can deliver it again.
/// Each append opens, locks (flock), writes, fsyncs and closes the file, so a replay may move the
/// file away at any time without losing a line.
package struct DeadLetterFile: Sendable {
    let path: String

    /// One line of the file.
    package struct Entry: Sendable {
        var sink: String
        package var eventID: Int64
        package var attempts: Int
        package var reason: String
        package var failedAt: Timestamp
        /// The event JSON as published (an object).
        package var eventJSON: String

        var line: String {
            var out: [UInt8] = []
            out.append(contentsOf: "{\"sink\": ".utf8); EventJSON.writeString(sink, &out)
            out.append(contentsOf: ", \"event_id\": \(eventID), \"attempts\": \(attempts), \"reason\": ".utf8)
            EventJSON.writeString(reason, &out)
            out.append(contentsOf: ", \"failed_at\": ".utf8); EventJSON.writeString(EventJSON.isoMillisZ(failedAt), &out)
            out.append(contentsOf: ", \"event\": ".utf8); out.append(contentsOf: eventJSON.utf8)
            out.append(contentsOf: "}\n".utf8)
            return String(decoding: out, as: UTF8.self)
        }

        /// Parses a line written by `line`.
        init?(line: Substring) {
            guard let value = try? JSONValue(parsing: String(line)), case .object(let members) = value else { return nil }
            func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
            guard let sink = member("sink")?.stringValue, let id = member("event_id")?.intValue,
                  let event = member("event"), case .object = event,
                  let start = line.range(of: "\"event\": ") else { return nil }
            self.sink = sink; eventID = Int64(id)
            attempts = member("attempts")?.intValue ?? 0
            reason = member("reason")?.stringValue ?? ""
            failedAt = (member("failed_at")?.stringValue).flatMap(EventJSON.parseSQLTimestamp) ?? Timestamp(microsecondsSince1970: 0)
            // The event's own bytes (it is the last member): the body is resent unchanged.
            var text = line[start.upperBound...]
            while let last = text.last, last.isWhitespace { text = text.dropLast() }
            guard text.last == "}" else { return nil }
            eventJSON = String(text.dropLast())  // the line's own closing brace
        }

        init(sink: String, eventID: Int64, attempts: Int, reason: String, failedAt: Timestamp, eventJSON: String) {
            self.sink = sink; self.eventID = eventID; self.attempts = attempts; self.reason = reason
            self.failedAt = failedAt; self.eventJSON = eventJSON
        }
    }

    /// Appends one entry durably. Throws with the system's message when the folder or disk refuses.
    func append(_ entry: Entry) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DeadLetterError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        let bytes = Array(entry.line.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw DeadLetterError(path: path, operation: "write", errno: errno) }
            written += n
        }
        guard fsync(fd) == 0 else { throw DeadLetterError(path: path, operation: "fsync", errno: errno) }
    }

    /// Reads every entry; lines that do not parse are returned as `bad` (line numbers from 1).
    package static func read(path: String) throws -> (entries: [Entry], bad: [Int]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeadLetterError(path: path, operation: "read", errno: errno)
        }
        var entries: [Entry] = [], bad: [Int] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            if let e = Entry(line: line) { entries.append(e) } else { bad.append(n + 1) }
        }
        return (entries, bad)
    }
}

/// A dead-letter file operation that failed, with the system's message.
struct DeadLetterError: Error, CustomStringConvertible {
    let path: String
    let operation: String
    let errno: Int32
    var description: String { "dead-letter file \(path): \(operation) failed: \(String(cString: strerror(errno)))" }
}

extension StoredEvent {
    /// An event back from its published JSON (a dead-letter line); the JSON is kept byte for byte.
    package init?(publishedJSON json: String) {
        guard let v = try? JSONValue(parsing: json), let id = v["id"]?.intValue, let type = v["event_type"]?.stringValue,
              let camera = v["camera_id"]?.stringValue, let frame = v["frame_number"]?.intValue,
              let ts = v["timestamp"]?.stringValue.flatMap(EventJSON.parseSQLTimestamp) else { return nil }
        self.init(id: Int64(id), type: type, cameraID: camera, frameNumber: frame, timestamp: ts,
                  snapshotPath: v["snapshot_path"]?.stringValue, data: v["event_data"] ?? .null,
                  createdAt: v["created_at"]?.stringValue.flatMap(EventJSON.parseSQLTimestamp) ?? ts, json: json)
    }
}
