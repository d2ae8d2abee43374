import Foundation
import Logging
import PluginAPI
import VigilConfig

/// What the host hands every plugin instance besides its config (PluginAPI 1.1): a state folder,
/// the snapshots folder, the shared store.
package struct PluginEnvironment: Sendable {
    /// STATE_DIR; nil: instances get no state folder (e.g. `vigil check`).
    package var stateRoot: String?
    /// SNAPSHOTS_DIR.
    package var snapshots: SnapshotLocation?
    /// The Redis-backed cache and queues, when the host has them.
    package var store: (any SharedStore)?

    package init(stateRoot: String? = nil, snapshots: SnapshotLocation? = nil, store: (any SharedStore)? = nil) {
        self.stateRoot = stateRoot; self.snapshots = snapshots; self.store = store
    }

    /// Creates `STATE_DIR/<instance>/<camera>` (or `STATE_DIR/<instance>` for a sink) and returns its
    /// absolute path; when it cannot be created that is logged and the plugin runs without one.
    package func stateDirectory(for instance: String, camera: String?, logger: Logger) -> String? {
        guard let stateRoot else { return nil }
        let parts = [instance] + (camera.map { [$0] } ?? [])
        let path = parts.reduce(HostConfig.absolute(stateRoot)) { "\($0)/\(Self.safe($1))" }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        } catch {
            logger.error("State folder not created; the plugin runs without one", metadata: [
                "plugin.name": "\(instance)", "camera.id": "\(camera ?? "")", "path": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    /// A name made safe as one path component.
    package static func safe(_ name: String) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber || "-_.@: ".contains($0) ? $0 : "_" })
        return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "_" : cleaned
    }
}
