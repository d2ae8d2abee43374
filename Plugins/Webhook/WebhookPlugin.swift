import PluginAPI

/// The C entry symbol the host looks up (see PluginAPI's `exportPlugin`).
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "webhook", version: WebhookSink.version,
                         summary: "POSTs each event to one HTTP(S) endpoint, signed the Standard Webhooks way",
                         makeSink: { try WebhookSink(context: $0) })
    }
}
