import Foundation
import PluginAPI

/// Append-only files of events that could not be saved yet (PostgreSQL down). Each append is
/// fsynced; files are replayed in order and deleted once PostgreSQL holds them. One writer thread.
final class Spool {
    let directory: String
    private var current: (name: String, handle: FileHandle)?
    private var files: [String]

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        files = names.filter { $0.hasPrefix("spool-") && $0.hasSuffix(".jsonl") }.sorted()
    }

    /// Spool file names waiting to be replayed, oldest first.
    func pendingFiles() -> [String] { files }

    /// True while any spooled event is not yet in PostgreSQL.
    var hasPending: Bool { !files.isEmpty }

    /// Appends a batch as JSON lines and fsyncs it.
    func append(_ batch: [NewEvent]) throws {
        if current == nil {
            let name = String(format: "spool-%016llx.jsonl", UInt64(Date().timeIntervalSince1970 * 1_000_000))
            let path = "\(directory)/\(name)"
            guard FileManager.default.createFile(atPath: path, contents: nil),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
            current = (name, handle)
            files.append(name)
        }
        var bytes: [UInt8] = []
        for e in batch { Self.line(e).write(to: &bytes); bytes.append(0x0A) }
        try current!.handle.seekToEnd()
        try current!.handle.write(contentsOf: bytes)
        try current!.handle.synchronize()
    }

    /// Keeps an event PostgreSQL refused, as a JSON line in `rejected.jsonl` (best effort, fsynced).
    func reject(_ event: NewEvent) {
        let path = "\(directory)/rejected.jsonl"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        Self.line(event).write(to: &bytes)
        bytes.append(0x0A)
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: bytes)
        try? handle.synchronize()
    }

    /// Stops appending to the current file, so it can be replayed and deleted.
    func seal() {
        try? current?.handle.close()
        current = nil
    }

    /// Reads up to `max` whole events of `file` starting at byte `offset`; returns them with the
    /// offset just past the last one. A torn last line (crash mid-write) is left unread.
    func read(file: String, from offset: Int, max: Int) throws -> (events: [NewEvent], end: Int) {
        guard let handle = FileHandle(forReadingAtPath: "\(directory)/\(file)") else { return ([], offset) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: 4 << 20) ?? Data()
        var events: [NewEvent] = []
        var end = offset
        var start = data.startIndex
        while events.count < max, let nl = data[start...].firstIndex(of: 0x0A) {
            let line = String(decoding: data[start..<nl], as: UTF8.self)
            if let e = Self.event(line) { events.append(e) }
            end += nl - start + 1
            start = nl + 1
        }
        return (events, end)
    }

    func remove(file: String) {
        if current?.name == file { seal() }
        try? FileManager.default.removeItem(atPath: "\(directory)/\(file)")
        files.removeAll { $0 == file }
    }

    static func line(_ e: NewEvent) -> JSONValue {
        ["type": .string(e.type), "camera_id": .string(e.cameraID), "frame_number": .int(e.frameNumber),
         "timestamp_us": .int(Int(e.timestamp.microseconds)),
         "snapshot_path": e.snapshotPath.map(JSONValue.string) ?? .null, "event_data": e.data]
    }

    static func event(_ line: String) -> NewEvent? {
        guard let v = try? JSONValue(parsing: line), let type = v["type"]?.stringValue,
              let camera = v["camera_id"]?.stringValue, let frame = v["frame_number"]?.intValue,
              let us = v["timestamp_us"]?.intValue, let data = v["event_data"] else { return nil }
        return NewEvent(type: type, cameraID: camera, frameNumber: frame,
                        timestamp: Timestamp(microsecondsSince1970: Int64(us)),
                        snapshotPath: v["snapshot_path"]?.stringValue, data: data)
    }
}
