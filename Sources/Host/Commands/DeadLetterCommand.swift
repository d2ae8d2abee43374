import ArgumentParser
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPlugins
import VigilRouter
import VigilSinks
import VigilSupport

/// `vigil dead-letter …`: the events a sink gave up on.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letter", abstract: "Inspect and replay a sink's dead-letter file.",
        subcommands: [DeadLetterReplay.self, DeadLetterShow.self])
}

/// Finds a sink in plugins.json and reads its delivery policy.
struct SinkSelection {
    let config: HostConfig
    let settings: Settings
    let entry: PluginEntry
    var policy: DeliveryPolicy

    init(name: String, options: ConfigOptions, file: String?) throws {
        settings = try options.settings()
        config = try HostConfig.load(path: settings.configPath, environment: settings.environment)
        guard let entry = config.sinks.first(where: { $0.name == name }) else {
            throw ValidationError("\(config.file): no sink named \"\(name)\" (have: \(config.sinks.map(\.name).joined(separator: ", ")))")
        }
        self.entry = entry
        var policy = try DeliveryPolicy.read(entry, in: config, environment: settings.environment)
        if let file { policy.deadLetterPath = file }
        self.policy = policy
    }
}

/// `vigil dead-letter replay --sink NAME`: delivers the file's events again with the sink's policy.
struct DeadLetterReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Deliver a sink's dead-lettered events again; those that fail again go back to the file.")

    @OptionGroup var options: ConfigOptions
    @Option(help: "The sink's name in plugins.json.") var sink: String
    @Option(help: "The dead-letter file (default: the sink's).") var file: String?
    @Option(help: "Attempts per event (default: the sink's max_attempts).") var maxAttempts: Int?

    func run() async throws {
        let logger = LogSetup.rootLogger()
        var selection = try SinkSelection(name: sink, options: options, file: file)
        let path = selection.policy.deadLetterPath
        if let maxAttempts { selection.policy.maxAttempts = max(1, maxAttempts) }
        // The sink first: if it cannot start, the file stays as it is.
        let plugins = PluginSet.load(selection.config)
        guard let plugin = plugins.sinks.first(where: { $0.entry.name == sink }) else {
            throw ValidationError(plugins.failures.map(\.description).joined(separator: "\n"))
        }
        let stats = RouterStats()
        let runner = SinkRunner(name: sink, sink: try plugins.makeSink(plugin, file: selection.config.file, logger: logger),
                                policy: selection.policy, logger: logger, stats: stats)
        // Move the file aside: a running vigil keeps appending to a new one, nothing is lost. Files
        // left aside by an interrupted replay are picked up too.
        let claimed = "\(path).replaying-\(getpid())"
        if rename(path, claimed) != 0 && errno != ENOENT {
            throw ValidationError("\(path): cannot move it aside for replay: \(String(cString: strerror(errno)))")
        }
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? [])
            .filter { $0.hasPrefix(base + ".replaying-") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else {
            await runner.closeSink()
            print("replay sink=\(sink) events=0 delivered=0 dead_lettered=0")
            return
        }
        var events: [StoredEvent] = []
        var keep: Set<String> = []  // files with unreadable lines stay for a look
        for file in files {
            let (entries, bad) = try DeadLetterFile.read(path: file)
            for line in bad { logger.error("Dead-letter line not readable, kept", metadata: ["file": "\(file)", "line": "\(line)"]) }
            if !bad.isEmpty { keep.insert(file) }
            events += entries.compactMap { StoredEvent(publishedJSON: $0.eventJSON) }
        }
        // Deliver with the sink's concurrency; each event gets the full retry policy.
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func add() { if next < events.count { let e = events[next]; next += 1; group.addTask { await runner.deliver(e) } } }
            for _ in 0..<selection.policy.concurrency { add() }
            while await group.next() != nil { add() }
        }
        await runner.closeSink()
        for file in files where !keep.contains(file) { try? FileManager.default.removeItem(atPath: file) }
        print("replay sink=\(sink) events=\(events.count) delivered=\(stats["sink.\(sink).delivered"]) "
              + "dead_lettered=\(stats["sink.\(sink).dead_lettered"])")
    }
}

/// `vigil dead-letter show --sink NAME`: one line per dead-lettered event.
struct DeadLetterShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "List a sink's dead-lettered events.")

    @OptionGroup var options: ConfigOptions
    @Option(help: "The sink's name in plugins.json.") var sink: String
    @Option(help: "The dead-letter file (default: the sink's).") var file: String?

    func run() throws {
        let selection = try SinkSelection(name: sink, options: options, file: file)
        guard FileManager.default.fileExists(atPath: selection.policy.deadLetterPath) else {
            print("dead-letter sink=\(sink) events=0 file=\(selection.policy.deadLetterPath)"); return
        }
        let (entries, bad) = try DeadLetterFile.read(path: selection.policy.deadLetterPath)
        for e in entries {
            print("event_id=\(e.eventID) attempts=\(e.attempts) failed_at=\(EventJSON.isoMillisZ(e.failedAt)) reason=\(e.reason)")
        }
        print("dead-letter sink=\(sink) events=\(entries.count) unreadable_lines=\(bad.count) file=\(selection.policy.deadLetterPath)")
    }
}
