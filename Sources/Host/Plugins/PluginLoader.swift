import Foundation
import PluginAPI

/// Why a plugin library could not be used. Each case names the file.
enum PluginLoadError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case notSharedLibrary(path: String, reason: String)
    case foreign(path: String, reason: String)
    case notLoadable(path: String, reason: String)
    case noEntrySymbol(path: String, reason: String)
    case abiMismatch(path: String, plugin: UInt32, host: UInt32)
    case badDescriptor(path: String)
    case wrongKind(path: String, plugin: String, expected: PluginKind, actual: PluginKind)

    var description: String {
        switch self {
        case .fileMissing(let path):
            return "plugin library \(path) does not exist"
        case .unreadable(let path, let reason):
            return "plugin library \(path) cannot be read: \(reason)"
        case .notSharedLibrary(let path, let reason):
            return "plugin library \(path) is truncated or not a shared library: \(reason)"
        case .foreign(let path, let reason):
            return "plugin library \(path) cannot run here: \(reason)"
        case .notLoadable(let path, let reason):
            return "plugin library \(path) could not be loaded: \(reason)"
        case .noEntrySymbol(let path, let reason):
            return "\(path) is not a vigil plugin: no \(PluginABI.entrySymbol) symbol (\(reason))"
        case .abiMismatch(let path, let plugin, let host):
            return "\(path) was built for plugin ABI \(plugin), this vigil has ABI \(host): rebuild the plugin against this PluginAPI"
        case .badDescriptor(let path):
            return "\(path): \(PluginABI.entrySymbol) returned no plugin descriptor"
        case .wrongKind(let path, let plugin, let expected, let actual):
            return "\(path) is a \(actual.rawValue) plugin (\"\(plugin)\"), not a \(expected.rawValue)"
        }
    }
}

/// A plugin library loaded with dlopen. A library is never unmapped once opened: opening a Swift
/// library registers its type metadata with the Swift runtime, which keeps pointers into it, so
/// every `dlopen` uses RTLD_NODELETE (a later `dlclose` only drops the handle) and a library whose
/// entry ran is kept even when it is refused (wrong kind). Files are checked (ELF headers) first.
package final class PluginLibrary: @unchecked Sendable {
    /// The file it was loaded from.
    package let path: String
    /// What the plugin says about itself.
    package let descriptor: PluginDescriptor
    /// The ABI version the plugin reported (equal to the host's).
    package let abi: UInt32
    /// The compiler that built it (the `clang version …` line of its `.comment` section), if known.
    package let toolchain: String?

    private init(path: String, descriptor: PluginDescriptor, abi: UInt32, toolchain: String?) {
        self.path = path; self.descriptor = descriptor; self.abi = abi; self.toolchain = toolchain
    }

    /// Loads `path`, checks its ABI through the C entry symbol alone, then takes its descriptor.
    package static func load(path: String, expecting kind: PluginKind? = nil) throws -> PluginLibrary {
        guard FileManager.default.fileExists(atPath: path) else { throw PluginLoadError.fileMissing(path: path) }
        let info: ELFInfo
        do { info = try ELFCheck.check(path: path) } catch let problem as ELFCheck.Problem {
            switch problem {
            case .unreadable(let reason): throw PluginLoadError.unreadable(path: path, reason: reason)
            case .notSharedObject(let reason): throw PluginLoadError.notSharedLibrary(path: path, reason: reason)
            case .foreign(let reason): throw PluginLoadError.foreign(path: path, reason: reason)
            }
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw PluginLoadError.notLoadable(path: path, reason: lastDLError())
        }
        let library = try take(handle: handle, path: path, toolchain: info.toolchain)
        if let kind, library.descriptor.kind != kind {
            // The entry ran and Swift types were touched: the handle stays open for good.
            throw PluginLoadError.wrongKind(path: path, plugin: library.descriptor.name,
                                            expected: kind, actual: library.descriptor.kind)
        }
        return library
    }

    /// True when the plugin was built by another compiler than this vigil (a warning: Swift on
    /// Linux has no stable ABI, such a plugin may crash; rebuild it with vigil's toolchain).
    var toolchainDiffers: Bool {
        guard let toolchain, let host = ELFCheck.hostToolchain else { return false }
        return toolchain != host
    }

    private static func take(handle: UnsafeMutableRawPointer, path: String, toolchain: String?) throws -> PluginLibrary {
        _ = dlerror()
        guard let symbol = dlsym(handle, PluginABI.entrySymbol) else {
            let reason = lastDLError()
            dlclose(handle)  // nothing of it ran but its initialisers; RTLD_NODELETE keeps it mapped anyway
            throw PluginLoadError.noEntrySymbol(path: path, reason: reason)
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
        return PluginLibrary(path: path, descriptor: descriptor, abi: pluginABI, toolchain: toolchain)
    }

    private static func lastDLError() -> String {
        guard let message = dlerror() else { return "unknown dlopen error" }
        return String(cString: message)
    }
}
