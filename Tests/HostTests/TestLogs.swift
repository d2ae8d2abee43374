import Foundation
import Logging

/// A logger whose lines the test can read (no global bootstrap): `logs.logger`, then `logs.lines`.
final class TestLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    /// Every line so far, as "level message key=value…".
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return items }

    var logger: Logger { Logger(label: "test") { _ in Handler(logs: self) } }

    fileprivate func add(_ line: String) { lock.lock(); items.append(line); lock.unlock() }

    private struct Handler: LogHandler {
        let logs: TestLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            logs.add("\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
    }
}
