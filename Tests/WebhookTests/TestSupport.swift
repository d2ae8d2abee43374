import Foundation
import PluginAPI
import XCTest

/// Log lines a plugin wrote, captured in memory.
final class LogStore: @unchecked Sendable {
    struct Line { let level: PluginLogger.Level; let message: String; let metadata: [String: String] }
    private let lock = NSLock()
    private var stored: [Line] = []

    var lines: [Line] { lock.withLock { stored } }

    var logger: PluginLogger {
        PluginLogger { [self] level, message, metadata in
            lock.withLock { stored.append(Line(level: level, message: message, metadata: metadata)) }
        }
    }
}

enum Fixtures {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A context for the sink at `sinks[0].config`.
    static func context(_ config: JSONValue, logs: LogStore = LogStore()) -> PluginContext {
        PluginContext(name: "alerts", cameraID: nil, config: config, configPath: "sinks[0].config", logger: logs.logger)
    }

    /// A stored event whose `json` is written the way the host publishes it (the seed's shape).
    static func event(id: Int64 = 42, type: String = "tracking", camera: String = "camera-01",
                      data: JSONValue = ["track_id": 7, "class_name": "person", "confidence": 0.91]) -> StoredEvent {
        let timestamp = Timestamp(microsecondsSince1970: 1_728_649_696_789_000)
        let json = "{\"id\": \(id), \"event_type\": \"\(type)\", \"camera_id\": \"\(camera)\", "
            + "\"timestamp\": \"2024-10-11T12:34:56.789Z\", \"frame_number\": 1234, "
            + "\"snapshot_path\": \"snapshots/2024-10-11/\(camera)/detection_1234_1728649696.png\", "
            + "\"event_data\": \(data.jsonString), \"note\": \"caf\\u00e9 \u{e9}t\u{e9} \u{1F697}\", "
            + "\"created_at\": \"2024-10-11T12:34:56.789123\"}"
        return StoredEvent(id: id, type: type, cameraID: camera, frameNumber: 1234, timestamp: timestamp,
                           snapshotPath: "snapshots/2024-10-11/\(camera)/detection_1234_1728649696.png",
                           data: data, createdAt: timestamp, json: json)
    }

    /// Sets a fresh, uniquely named environment variable to `value` and returns its name.
    static func secretVariable(_ value: String) -> String {
        let name = "VIGIL_WEBHOOK_TEST_SECRET_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        setenv(name, value, 1)
        return name
    }

    /// Runs `python3 -c script args…` with `input` on stdin; returns stdout without the final newline.
    static func python(_ script: String, _ arguments: [String] = [], input: [UInt8] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin; process.standardOutput = stdout; process.standardError = stderr
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
                "python3 failed (\(process.terminationStatus)): \(String(decoding: err, as: UTF8.self))"])
        }
        var text = String(decoding: out, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The first fenced block of `language` in `Plugins/Webhook/README.md`.
    static func readmeBlock(_ language: String) throws -> String {
        let readme = try String(contentsOfFile: "\(root)/Plugins/Webhook/README.md", encoding: .utf8)
        guard let start = readme.range(of: "```\(language)\n"),
              let end = readme.range(of: "\n```", range: start.upperBound..<readme.endIndex) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "README has no \(language) block"])
        }
        return String(readme[start.upperBound..<end.lowerBound])
    }
}
