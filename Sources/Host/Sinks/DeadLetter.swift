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
        /// The line this entry was read from, as it was (nil for a new entry): an entry kept back in
        /// the file goes back byte for byte.
        package private(set) var readFrom: String?

        /// The fields of a line besides the event (Codable; the event's bytes are embedded unchanged).
        private struct Fields: Codable {
            var sink: String
            var eventID: Int64
            var attempts: Int?
            var reason: String?
            var failedAt: String?
            enum CodingKeys: String, CodingKey { case sink, eventID = "event_id", attempts, reason, failedAt = "failed_at" }
        }

        /// `{"attempts":…,"event_id":…,"failed_at":…,"reason":…,"sink":…,"event":<the published JSON>}` and a newline.
        var line: String {
            let fields = Fields(sink: sink, eventID: eventID, attempts: attempts, reason: reason,
                                failedAt: EventJSON.isoMillisZ(failedAt))
            // Encoding plain strings and numbers cannot fail.
            let bytes = (try? EnvelopeJSON.object(fields, adding: "event", raw: Array(eventJSON.utf8), first: false)) ?? []
            return String(decoding: bytes, as: UTF8.self) + "\n"
        }

        /// Parses a line written by `line` (or by vigil before 0.6, with spaces after the separators).
        init?(line: Substring) {
            guard let fields = try? JSONDecoder().decode(Fields.self, from: Data(line.utf8)),
                  let event = EnvelopeJSON.lastMember("event", in: line),
                  case .object = (try? JSONValue(parsing: String(event))) ?? .null else { return nil }
            sink = fields.sink; eventID = fields.eventID
            attempts = fields.attempts ?? 0
            reason = fields.reason ?? ""
            failedAt = fields.failedAt.flatMap(EventJSON.parseSQLTimestamp) ?? Timestamp(microsecondsSince1970: 0)
            eventJSON = String(event)  // the event's own bytes: the body is resent unchanged
            readFrom = String(line)
        }

        init(sink: String, eventID: Int64, attempts: Int, reason: String, failedAt: Timestamp, eventJSON: String) {
            self.sink = sink; self.eventID = eventID; self.attempts = attempts; self.reason = reason
            self.failedAt = failedAt; self.eventJSON = eventJSON
        }
    }

    /// Appends one entry durably, on the file's own I/O thread (not the cooperative pool). Throws
    /// with the system's message when the folder or disk refuses.
    func append(_ entry: Entry) async throws {
        let path = self.path
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            Self.io.async { c.resume(with: Result { try Self.append(lines: entry.line, to: path) }) }
        }
    }

    /// Appends whole lines (each ending in a newline) under an exclusive lock and fsyncs them.
    package static func append(lines: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DeadLetterError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw DeadLetterError(path: path, operation: "lock", errno: errno) }
        }
        let bytes = Array(lines.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw DeadLetterError(path: path, operation: "write", errno: errno) }
            written += n
        }
        guard fsync(fd) == 0 else { throw DeadLetterError(path: path, operation: "fsync", errno: errno) }
    }

    /// Dead-letter file I/O runs here, off the cooperative pool.
    static let io = DispatchQueue(label: "vigil.dead-letter")

    /// Reads every entry; lines that do not parse are returned as `bad`, with their number (from 1) and text.
    package static func read(path: String) throws -> (entries: [Entry], bad: [(line: Int, text: String)]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeadLetterError(path: path, operation: "read", errno: errno)
        }
        var entries: [Entry] = [], bad: [(line: Int, text: String)] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            if let e = Entry(line: line) { entries.append(e) } else { bad.append((n + 1, String(line))) }
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
