import Foundation
import PluginAPI
import VigilVision
import XCTest
@testable import ANPREngine

/// Paths, scenes and plugin instances the ANPR tests share.
enum ANPRTestSupport {
    /// The package root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// The shared test data (read in place, never copied into the repository).
    static var data: String { "\(root)/../shared/data" }
    /// OpenALPR's per-region character models (AGPL: used from the shared folder, not shipped).
    static var openALPRTessdata: String { "\(data)/tessdata/openalpr" }

    /// Where SwiftPM put `vigil` and the plugin libraries.
    static let buildDir: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.appendingPathComponent("vigil").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }()

    /// A new empty temporary folder.
    static func tempDir() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("anpr-test-\(UUID().uuidString.prefix(8))").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A generated scene: `text` on a framed plate, rotated, blurred and noisy, in clutter.
    static func scene(_ text: String, angle: Double = 0, blur: Double = 0, noise: Double = 0, seed: UInt32 = 1,
                      width: Int = 960, height: Int = 540, plateWidth: Int = 300, aspect: Double = 2.6) throws -> Image {
        var config = vv_plate_scene_config(width: Int32(width), height: Int32(height), plate_width: Int32(plateWidth),
                                           aspect: aspect, angle: angle, blur: blur, noise: noise, seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var box = [Int32](repeating: 0, count: 4)
        var err = [CChar](repeating: 0, count: 256)
        guard vv_plate_render_scene(text, &config, &pixels, &box, &err, err.count) == 0 else {
            throw PluginError(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Image(copying: pixels, width: width, height: height, format: .bgr8)
    }

    /// A frame of camera "test".
    static func frame(_ image: Image, number: Int, seconds: Double) -> Frame {
        Frame(cameraID: "test", number: number, timestamp: Timestamp(secondsSince1970: 1_700_000_000 + seconds), image: image)
    }

    /// An ANPR detector on OpenALPR's `lus` model (US formats unless `config` says otherwise),
    /// reading on the caller's thread unless an emitter is given.
    static func detector(_ config: JSONValue = [:], emitter: EventEmitter? = nil, stateDirectory: String? = nil,
                         warnings: LogLines? = nil) throws -> ANPRDetector {
        let base: JSONValue = ["tessdata_dir": .string(openALPRTessdata), "language": "lus", "motion_only": false, "snapshot": false]
        var context = PluginContext(name: "anpr", cameraID: "test", config: base.merging(config), configPath: "detectors[0].config",
                                    logger: PluginLogger { level, message, metadata in
                                        if level >= .warning { warnings?.append("\(message) \(metadata)") }
                                    })
        context.emitter = emitter
        context.stateDirectory = stateDirectory
        return try ANPRDetector(context: context)
    }

    /// The plates of `anpr` events.
    static func plates(_ events: [Event]) -> [String] {
        events.compactMap { $0.data["anpr_result"]?["license_plate"]?.stringValue }
    }

    /// Runs a program to completion (working directory: the package root); returns status, stdout, stderr.
    static func run(_ program: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let dir = tempDir()
        let out = URL(fileURLWithPath: "\(dir)/stdout"), err = URL(fileURLWithPath: "\(dir)/stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// Log lines collected from any thread.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

/// Events delivered through an emitter, from any thread.
final class EmittedEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [Event] = []
    lazy var emitter = EventEmitter { [self] in lock.lock(); events += $0; lock.unlock(); return true }
    var all: [Event] { lock.lock(); defer { lock.unlock() }; return events }
}
