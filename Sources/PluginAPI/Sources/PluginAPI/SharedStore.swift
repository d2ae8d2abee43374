/// vigil's shared cache and work queues (Redis), open to plugins through `PluginContext.store`
/// (PluginAPI 1.1). Keys and queue names are global (other plugins and programs see them): prefix
/// them with your plugin's name. Values are strings; encode structured values as JSON.
/// Calls may block on the network for a moment: call them from a sink's `deliver` or from a
/// detector's own thread, not on every frame of the camera thread.
public protocol SharedStore: Sendable {
    /// Stores `value` under `key`, expiring after `ttl` when given.
    func set(_ key: String, _ value: String, ttl: Duration?) async throws
    /// The value under `key`, or nil.
    func get(_ key: String) async throws -> String?
    /// True when `key` exists.
    func exists(_ key: String) async throws -> Bool
    /// Deletes `keys`; returns how many existed.
    @discardableResult
    func delete(_ keys: [String]) async throws -> Int
    /// Appends `value` to the list `queue` (RPUSH).
    func push(_ value: String, to queue: String) async throws
    /// Takes the first value of `queue` (LPOP), waiting up to `timeout` for one when given (BLPOP).
    func pop(from queue: String, timeout: Duration?) async throws -> String?
    /// How many values wait in `queue`.
    func length(of queue: String) async throws -> Int
}

/// Where snapshot files live, and how an event's `snapshot_path` maps to one (PluginAPI 1.1).
///
/// `snapshot_path` is stored as the seed stored it: relative, starting with the snapshots
/// folder's own name, e.g. `snapshots/2024-10-11/camera-01/motion_12_1728649696.png` when
/// SNAPSHOTS_DIR is `snapshots` (or `/var/lib/vigil/snapshots`). So the file is
/// `<folder containing SNAPSHOTS_DIR>/<snapshot_path>`; `file(for:)` does this and refuses paths
/// that would leave the snapshots folder.
public struct SnapshotLocation: Sendable, Equatable {
    /// SNAPSHOTS_DIR, absolute.
    public let directory: String

    /// Creates the location of an absolute snapshots folder.
    public init(directory: String) {
        var d = directory
        while d.count > 1, d.hasSuffix("/") { d.removeLast() }
        self.directory = d
    }

    /// The absolute file of a stored `snapshot_path`; nil when it does not start with the
    /// snapshots folder's name or would leave the folder (`..`, absolute paths).
    public func file(for snapshotPath: String) -> String? {
        let parts = snapshotPath.split(separator: "/", omittingEmptySubsequences: false)
        let name = directory.split(separator: "/").last.map(String.init) ?? ""
        guard !snapshotPath.hasPrefix("/"), parts.count >= 2, String(parts[0]) == name,
              !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else { return nil }
        return directory + "/" + parts.dropFirst().joined(separator: "/")
    }
}
