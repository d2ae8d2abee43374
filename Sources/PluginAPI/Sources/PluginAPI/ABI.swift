/// The plugin ABI: one C symbol per plugin library, checked before any Swift type is touched.
///
/// Every plugin `.so` exports
///
///     uint32_t vigil_plugin_entry(uint32_t host_abi, void **descriptor_out);
///
/// The host calls it with its own ABI version. The plugin always returns the ABI version it was
/// compiled for; only when the two are equal does it also store a retained `PluginDescriptor`
/// in `*descriptor_out`. A plugin author writes the entry in three lines with `exportPlugin`.
public enum PluginABI {
    /// The C name of the entry symbol every plugin exports.
    public static let entrySymbol = "vigil_plugin_entry"

    /// The ABI version this code was compiled against. `@_alwaysEmitIntoClient` bakes the
    /// number into the caller (host or plugin) instead of reading it from the loaded library.
    @_alwaysEmitIntoClient
    public static var version: UInt32 { 1 }
}

/// The C type of the entry symbol, for the host's `dlsym`.
public typealias PluginEntryFunction = @convention(c) (
    UInt32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> UInt32

/// Implements the body of a plugin's `vigil_plugin_entry`:
///
///     @_cdecl("vigil_plugin_entry")
///     public func vigilPluginEntry(_ host: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
///         exportPlugin(host, out) { PluginDescriptor(name: "hello", version: "1.0.0", makeDetector: Hello.init) }
///     }
///
/// The descriptor is only built when the host's ABI equals the plugin's.
@_alwaysEmitIntoClient
public func exportPlugin(
    _ hostABI: UInt32,
    _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ makeDescriptor: () -> PluginDescriptor
) -> UInt32 {
    let mine = PluginABI.version
    if hostABI == mine, let out {
        out.pointee = Unmanaged.passRetained(makeDescriptor()).toOpaque()
    }
    return mine
}
