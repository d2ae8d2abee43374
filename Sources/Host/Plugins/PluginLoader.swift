import Foundation
import PluginAPI

/// Why a plugin library could not be used. Each case names the file.
enum PluginLoadError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case notLoadable(path: String, reason: String)
    case noEntrySymbol(path: String, reason: String)
    case abiMismatch(path: String, plugin: UInt32, host: UInt32)
    case badDescriptor(path: String)
    case wrongKind(path: String, plugin: String, expected: PluginKind, actual: PluginKind)

    var description: String {
        switch self {
        case .fileMissing(let path):
            return "plugin library \(path) does not exist"
        case .notLoadable(let path, let reason):
            return "plugin library \(path) could not be loaded: \(reason)"
        case .noEntrySymbol(let path, let reason):
            return "\(path) is not a vigil plugin: no \(PluginABI.entrySymbol) symbol (\(reason))"
        case .abiMismatch(let path, let plugin, let host):
            return "\(path) was built for plugin ABI \(plugin), this vigil has ABI \(host): rebuild the plugin against this PluginAPI"
        case .badDescriptor(let path):
            return "\(path): \(PluginABI.entrySymbol) returned no plugin descriptor"
        case .wrongKind(let path, let plugin, let expected, let actual):
            return "\(path): plugin \"\(plugin)\" is a \(actual.rawValue), expected a \(expected.rawValue)"
        }
    }
}

/// A plugin library loaded with dlopen. Loaded libraries stay mapped for the life of the process
/// (Swift metadata from a plugin cannot be safely unloaded); failed loads are closed at once.
package final class PluginLibrary: @unchecked Sendable {
    /// The file it was loaded from.
    package let path: String
    /// What the plugin says about itself.
    package let descriptor: PluginDescriptor
    /// The ABI version the plugin reported (equal to the host's).
    package let abi: UInt32

    private init(path: String, descriptor: PluginDescriptor, abi: UInt32) {
        self.path = path; self.descriptor = descriptor; self.abi = abi
    }

    /// Loads `path`, checks its ABI through the C entry symbol alone, then takes its descriptor.
    package static func load(path: String, expecting kind: PluginKind? = nil) throws -> PluginLibrary {
        guard FileManager.default.fileExists(atPath: path) else { throw PluginLoadError.fileMissing(path: path) }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw PluginLoadError.notLoadable(path: path, reason: lastDLError())
        }
        do {
            let library = try take(handle: handle, path: path)
            if let kind, library.descriptor.kind != kind {
                throw PluginLoadError.wrongKind(path: path, plugin: library.descriptor.name,
                                                expected: kind, actual: library.descriptor.kind)
            }
            return library
        } catch {
            dlclose(handle)
            throw error
        }
    }

    private static func take(handle: UnsafeMutableRawPointer, path: String) throws -> PluginLibrary {
        _ = dlerror()
        guard let symbol = dlsym(handle, PluginABI.entrySymbol) else {
            throw PluginLoadError.noEntrySymbol(path: path, reason: lastDLError())
        }
        let entry = unsafeBitCast(symbol, to: PluginEntryFunction.self)
        let host = PluginABI.version
        var out: UnsafeMutableRawPointer?
        let pluginABI = entry(host, &out)
        guard pluginABI == host else {
            // Never touch `out` here: a plugin of another ABI has no Swift types we may use.
            throw PluginLoadError.abiMismatch(path: path, plugin: pluginABI, host: host)
        }
        guard let out else { throw PluginLoadError.badDescriptor(path: path) }
        guard let descriptor = Unmanaged<AnyObject>.fromOpaque(out).takeRetainedValue() as? PluginDescriptor else {
            throw PluginLoadError.badDescriptor(path: path)
        }
        return PluginLibrary(path: path, descriptor: descriptor, abi: pluginABI)
    }

    private static func lastDLError() -> String {
        guard let message = dlerror() else { return "unknown dlopen error" }
        return String(cString: message)
    }
}
