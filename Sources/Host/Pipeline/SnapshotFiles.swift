import Foundation
import PluginAPI
import VigilRouter

/// Writes one camera's snapshot PNGs under `SNAPSHOTS_DIR/YYYY-MM-DD/<camera>/<kind>_<frame>_<epoch>.png`
/// and never replaces a file: a second, different image with the same name (two tracks entering
/// on one frame, say) becomes `<kind>_<frame>_<epoch>_2.png`, `_3`, …. The same image attached to
/// several events of one frame is written once, and those events share its path.
/// Used by one thread (the camera's snapshot writer).
final class SnapshotFiles {
    /// `SNAPSHOTS_DIR`; stored paths start with its last component, as the seed's did.
    let root: String
    private let parent: URL
    private var last: (image: Image, frame: Int, kind: String, path: String)?

    init(root: String) {
        self.root = root
        parent = URL(fileURLWithPath: root).deletingLastPathComponent()
    }

    /// Writes `image` for `event`; returns the path to store (relative, starting with SNAPSHOTS_DIR's
    /// name) and whether a file was written (false: the same image of the same frame was already).
    func write(_ image: Image, for event: Event) throws -> (path: String, new: Bool) {
        if let last, last.image === image, last.frame == event.frameNumber, last.kind == event.snapshotKind {
            return (last.path, false)
        }
        let base = Self.relativePath(event, root: root)
        let folder = parent.appendingPathComponent((base as NSString).deletingLastPathComponent).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Written aside, then linked into place: link(2) refuses an existing name, so nothing is replaced.
        let temporary = "\(folder)/.writing-\(UUID().uuidString).png"
        defer { unlink(temporary) }
        try VisionImage.writePNG(image, to: temporary)
        let stem = String(base.dropLast(4))  // without ".png"
        var n = 1
        while true {
            let relative = n == 1 ? base : "\(stem)_\(n).png"
            if link(temporary, parent.appendingPathComponent(relative).path) == 0 {
                last = (image, event.frameNumber, event.snapshotKind, relative)
                return (relative, true)
            }
            guard errno == EEXIST, n < 10_000 else {
                throw FrameSourceError(source: parent.appendingPathComponent(relative).path,
                                       message: "cannot create the snapshot file: \(String(cString: strerror(errno)))")
            }
            n += 1
        }
    }

    /// `snapshots/YYYY-MM-DD/<camera_id>/<kind>_<frame>_<epoch>.png` (UTC day of the event).
    static func relativePath(_ event: Event, root: String) -> String {
        let day = String(EventJSON.isoMillisZ(event.timestamp).prefix(10))
        let base = URL(fileURLWithPath: root).lastPathComponent
        let epoch = Int(event.timestamp.secondsSince1970)
        return "\(base)/\(day)/\(safe(event.cameraID))/\(safe(event.snapshotKind))_\(event.frameNumber)_\(epoch).png"
    }

    /// A name made safe for a file name: letters, digits, '-' and '_' kept, the rest '_'.
    static func safe(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || "-_".contains($0) ? $0 : "_" })
    }
}
