import Foundation

/// The snapshots folder (`SNAPSHOTS_DIR`) as retention sees it: `<day>/<camera>/<file>.png`, day
/// folders named `YYYY-MM-DD` (UTC). Knows how much disk it uses without reading every folder each
/// time: a camera folder's size is kept with the folder's modification time and read again only
/// when that changed (a file was added or removed). Deletes files by their stored path or, to
/// respect a cap, oldest first. Used by one thread.
final class SnapshotFolder {
    /// A camera folder's files as last read.
    private struct Listing {
        var modified: timespec
        var files: [(name: String, bytes: Int64, modified: Double)]
        var bytes: Int64 { files.reduce(0) { $0 + $1.bytes } }
    }

    let root: String
    /// The root's own name: stored paths start with it (`snapshots/2024-10-11/…`).
    private let name: String
    private let parent: String
    private var listings: [String: Listing] = [:]

    init(root: String) {
        let url = URL(fileURLWithPath: root).standardized
        self.root = url.path
        name = url.lastPathComponent
        parent = url.deletingLastPathComponent().path
    }

    /// The file a stored `snapshot_path` names, when it lies inside the folder (no `..`, not
    /// absolute, no symbolic link leading out).
    func file(for stored: String) -> String? {
        guard !stored.isEmpty, !stored.hasPrefix("/"), !stored.contains("\0"),
              !stored.split(separator: "/").contains(where: { $0 == ".." }) else { return nil }
        let path = stored.hasPrefix(name + "/") ? "\(parent)/\(stored)" : "\(root)/\(stored)"
        guard let realRoot = Self.realPath(root), let folder = Self.realPath((path as NSString).deletingLastPathComponent),
              folder == realRoot || folder.hasPrefix(realRoot + "/") else { return nil }
        return folder + "/" + (path as NSString).lastPathComponent
    }

    /// Deletes a file; returns the disk space it used (nil when it was not there).
    func delete(_ path: String) -> Int64? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, unlink(path) == 0 else { return nil }
        return Int64(st.st_blocks) * 512
    }

    /// Disk space and files under the folder, reading only camera folders that changed.
    func usage() -> (bytes: Int64, files: Int) {
        var seen: Set<String> = []
        var bytes: Int64 = 0, files = 0
        for day in Self.entries(root) {
            for camera in Self.entries("\(root)/\(day)") {
                let folder = "\(root)/\(day)/\(camera)"
                guard let listing = listing(folder) else { continue }
                seen.insert(folder)
                bytes += listing.bytes; files += listing.files.count
            }
        }
        listings = listings.filter { seen.contains($0.key) }
        return (bytes, files)
    }

    /// Deletes the oldest files (by day folder, then file time) until the folder uses at most
    /// `limit` bytes; returns what was deleted. Files being written (`.writing-…`) younger than an
    /// hour are left alone.
    func trim(to limit: Int64) -> (files: Int, bytes: Int64) {
        var (total, _) = usage()
        var deleted = 0, freed: Int64 = 0
        let now = Date().timeIntervalSince1970
        for day in Self.entries(root).sorted() where total > limit {
            let cameras = Self.entries("\(root)/\(day)").map { "\(root)/\(day)/\($0)" }
            var files: [(path: String, modified: Double)] = []
            for folder in cameras {
                for f in listing(folder)?.files ?? [] where !(f.name.hasPrefix(".") && now - f.modified < 3600) {
                    files.append(("\(folder)/\(f.name)", f.modified))
                }
            }
            for f in files.sorted(by: { $0.modified < $1.modified }) {
                guard total > limit else { break }
                guard let bytes = delete(f.path) else { continue }
                total -= bytes; freed += bytes; deleted += 1
            }
            cameras.forEach { rmdir($0); listings[$0] = nil }
            rmdir("\(root)/\(day)")
        }
        return (deleted, freed)
    }

    /// Deletes whole day folders older than `days` days (by the folder's name); returns what went.
    func deleteDays(olderThan days: Double) -> (files: Int, bytes: Int64) {
        let cutoff = Date().timeIntervalSince1970 - days * 86_400
        var deleted = 0, freed: Int64 = 0
        for day in Self.entries(root) {
            // A day folder holds events of that UTC day: all of it is older than its next midnight.
            guard let start = Self.dayStart(day), start + 86_400 <= cutoff else { continue }
            for camera in Self.entries("\(root)/\(day)") {
                let folder = "\(root)/\(day)/\(camera)"
                for file in Self.entries(folder) {
                    if let bytes = delete("\(folder)/\(file)") { deleted += 1; freed += bytes }
                }
                rmdir(folder)
                listings[folder] = nil
            }
            rmdir("\(root)/\(day)")
        }
        return (deleted, freed)
    }

    /// Removes empty camera and day folders left behind.
    func removeEmptyFolders() {
        for day in Self.entries(root) {
            for camera in Self.entries("\(root)/\(day)") where rmdir("\(root)/\(day)/\(camera)") == 0 {
                listings["\(root)/\(day)/\(camera)"] = nil
            }
            rmdir("\(root)/\(day)")
        }
    }

    private func listing(_ folder: String) -> Listing? {
        var st = stat()
        guard stat(folder, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        if let cached = listings[folder], cached.modified.tv_sec == st.st_mtim.tv_sec, cached.modified.tv_nsec == st.st_mtim.tv_nsec {
            return cached
        }
        var listing = Listing(modified: st.st_mtim, files: [])
        for file in Self.entries(folder) {
            var f = stat()
            guard lstat("\(folder)/\(file)", &f) == 0, (f.st_mode & S_IFMT) == S_IFREG else { continue }
            listing.files.append((file, Int64(f.st_blocks) * 512, Double(f.st_mtim.tv_sec) + Double(f.st_mtim.tv_nsec) / 1e9))
        }
        listings[folder] = listing
        return listing
    }

    /// `YYYY-MM-DD` → its midnight (UTC) in seconds since 1970; nil for any other name.
    static func dayStart(_ name: String) -> Double? {
        let p = name.split(separator: "-")
        guard name.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        var t = tm(); t.tm_year = Int32(y - 1900); t.tm_mon = Int32(m - 1); t.tm_mday = Int32(d)
        return Double(timegm(&t))
    }

    private static func entries(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }

    private static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}
