import ArgumentParser
import VigilBench
import VigilConfig

/// The `vigil` command: the service and its tools.
package struct Vigil: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Plugin-host event router for security-camera analytics.",
        subcommands: [RunCommand.self, CheckCommand.self, DeadLetterCommand.self, BenchCommand.self, ANPREvalCommand.self, TailCommand.self, SampleVideoCommand.self,
                      PluginWorkerCommand.self, PlatesCommand.self]
    )

    package init() {}
}

/// Options every command that reads the configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "plugins.json to use (default: $VIGIL_CONFIG or plugins.json).")
    var config: String?

    /// Settings from the environment and .env, with --config applied.
    func settings() throws -> Settings {
        var settings = try Settings.load()
        if let config { settings.configPath = config }
        return settings
    }
}
