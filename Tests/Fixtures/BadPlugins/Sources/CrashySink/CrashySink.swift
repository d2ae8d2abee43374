import Foundation
import PluginAPI

@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "crashy-sink", version: "0.0.1", makeSink: { try CrashySink(context: $0) })
    }
}

/// Appends each event's id to `delivered.txt` in its state folder; the first time it is given
/// the event `crash_on`-th event of its life (counted in the state folder), it crashes instead,
/// mid-delivery, once.
final class CrashySink: Sink, @unchecked Sendable {
    struct Config: Codable { var crashOn = 2 }
    let config: Config
    let dir: String
    let lock = NSLock()

    init(context: PluginContext) throws {
        config = try context.decodeConfig(defaults: Config())
        guard let dir = context.stateDirectory else { throw PluginError("crashy-sink needs a state folder") }
        self.dir = dir
    }

    func deliver(_ event: StoredEvent) async -> Delivery {
        lock.withLock {
            let seen = "\(dir)/seen"
            let count = ((try? String(contentsOfFile: seen, encoding: .utf8)).flatMap { Int($0) } ?? 0) + 1
            try? "\(count)".write(toFile: seen, atomically: true, encoding: .utf8)
            if count == config.crashOn {
                let none: [Int] = []
                print("crashy-sink: crashing while delivering event \(event.id)")
                _ = none[Int(event.id)]
            }
            let handle = FileHandle(forWritingAtPath: "\(dir)/delivered.txt") ?? {
                FileManager.default.createFile(atPath: "\(dir)/delivered.txt", contents: nil)
                return FileHandle(forWritingAtPath: "\(dir)/delivered.txt")!
            }()
            handle.seekToEndOfFile()
            handle.write(Data("\(event.id)\n".utf8))
            try? handle.close()
        }
        return .delivered
    }
}
