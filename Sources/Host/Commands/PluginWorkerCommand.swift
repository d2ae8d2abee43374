import ArgumentParser
import VigilIsolation

/// `vigil plugin-worker`: the child process of an `"isolation": "process"` plugin entry. vigil
/// starts it itself (control socket on descriptor 3); not for use by hand.
struct PluginWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-worker", abstract: "Serve one isolated plugin for vigil (started by vigil itself).",
        shouldDisplay: false)

    @Option(help: "The plugin entry's name (shown in ps).") var plugin: String = ""

    func run() throws { PluginWorker.main(fd: 3) }
}
