import ArgumentParser

/// `vigil bench …`: measurements that print their figures.
package struct BenchCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks that print their figures.",
        subcommands: [RouterBench.self, MotionBench.self, APIBench.self, WebhookBench.self])

    package init() {}
}
