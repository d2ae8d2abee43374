import PluginAPI

/// The C entry symbol the host looks up (see PluginAPI's `exportPlugin`).
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "webhook", version: "0.1.0",
                         summary: "placeholder: loads and answers failed until the webhook sink lands",
                         makeSink: { try WebhookSink(context: $0) })
    }
}

/// Placeholder sink: accepts its config and delivers nothing.
final class WebhookSink: Sink {
    struct Config: Codable { var urls: [String] = [] }

    init(context: PluginContext) throws {
        _ = try context.decodeConfig(defaults: Config())
    }

    func deliver(_ event: StoredEvent) async -> Delivery { .failed(reason: "webhook delivery is not implemented yet") }
}
