import Foundation
import Logging
import PluginAPI
import VigilRouter

/// `vigil dead-letter replay`: delivers a sink's dead-lettered events again with its retry policy.
/// The file is moved aside first (a running vigil appends to a new one, nothing is lost; files left
/// aside by an interrupted replay are picked up too). Events that fail again go back to the file
/// through the runner; entries that cannot be read stay in the file, each logged, and are counted.
package struct DeadLetterReplayer {
    package struct Outcome: Sendable {
        package var events = 0
        package var delivered = 0
        package var deadLettered = 0
        package var unreadable = 0
    }

    let runner: SinkRunner
    let path: String
    let concurrency: Int
    let logger: Logger
    let stats: RouterStats

    package init(runner: SinkRunner, path: String, concurrency: Int, logger: Logger, stats: RouterStats) {
        self.runner = runner; self.path = path; self.concurrency = concurrency; self.logger = logger; self.stats = stats
    }

    package func run() async throws -> Outcome {
        let files = try await Self.blocking { try claim() }
        var outcome = Outcome()
        var events: [StoredEvent] = []
        var unreadable: [String] = []
        for file in files {
            let (entries, bad) = try await Self.blocking { try DeadLetterFile.read(path: file) }
            for (line, text) in bad {
                logger.error("Dead-letter entry not readable, kept", metadata: ["file": "\(path)", "line": "\(line)", "reason": "not a dead-letter entry"])
                unreadable.append(text)
            }
            for entry in entries {
                if let event = StoredEvent(publishedJSON: entry.eventJSON) { events.append(event); continue }
                logger.error("Dead-letter entry not readable, kept", metadata: ["file": "\(path)", "event.id": "\(entry.eventID)",
                                                                                "reason": "its event is not a published event"])
                unreadable.append((entry.readFrom ?? entry.line).trimmingCharacters(in: .newlines))
            }
        }
        // Unreadable entries go back to the file before the claimed copies are deleted.
        if !unreadable.isEmpty {
            let lines = unreadable.map { $0 + "\n" }.joined()
            try await Self.blocking { try DeadLetterFile.append(lines: lines, to: path) }
        }
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func add() { if next < events.count { let e = events[next]; next += 1; group.addTask { await runner.deliver(e) } } }
            for _ in 0..<max(1, concurrency) { add() }
            while await group.next() != nil { add() }
        }
        await runner.closeSink()
        try await Self.blocking { for file in files { try? FileManager.default.removeItem(atPath: file) } }
        outcome.events = events.count
        outcome.delivered = stats[sink: runner.name, .delivered]
        outcome.deadLettered = stats[sink: runner.name, .deadLettered]
        outcome.unreadable = unreadable.count
        return outcome
    }

    /// Moves the file aside; returns it with any files left aside before, oldest first.
    private func claim() throws -> [String] {
        let claimed = "\(path).replaying-\(getpid())"
        if rename(path, claimed) != 0 && errno != ENOENT {
            throw DeadLetterError(path: path, operation: "move aside for replay", errno: errno)
        }
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? [])
            .filter { $0.hasPrefix(base + ".replaying-") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Runs file I/O on the dead-letter I/O queue, off the cooperative pool.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in DeadLetterFile.io.async { c.resume(with: Result { try body() }) } }
    }
}
