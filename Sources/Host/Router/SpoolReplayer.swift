import Foundation
import Logging
import VigilPostgres

/// Saves spool files in order, on the writer's thread. Each chunk's insert records how far its
/// file is saved in the same statement, so a crash or a lost answer mid-replay neither loses nor
/// repeats events. Lines that are not events go to the file's quarantine, events of a batch
/// already committed (`batch` = the writer's last batch) are skipped, events PostgreSQL refuses
/// go to `rejected.jsonl`, a file that cannot be read at all is set aside. A file is deleted once
/// saved; the one the intake journal is writing is saved up to its fsynced end and kept.
final class SpoolReplayer {
    private let spool: Spool
    private let logger: Logger
    private let stats: RouterStats
    private let maxBatch: Int
    /// Hands committed events on (publisher, sinks).
    private let deliver: ([SavedEvent]) -> Void
    /// Says rows were committed that were not handed on (they are read back from PostgreSQL).
    private let missed: () -> Void
    private var quarantineFailed = false

    init(spool: Spool, logger: Logger, stats: RouterStats, maxBatch: Int,
         deliver: @escaping ([SavedEvent]) -> Void, missed: @escaping () -> Void) {
        self.spool = spool; self.logger = logger; self.stats = stats; self.maxBatch = maxBatch
        self.deliver = deliver; self.missed = missed
    }

    /// Replays every pending file. Returns the position reached in the file being appended to
    /// (nil when there is none), or throws: a transient `PostgresError` (the caller drops the
    /// connection), or `SpoolError` when bad lines cannot be quarantined (the replay stops there).
    func replayAll(_ store: EventStore) throws -> JournalMark? {
        while true {
            let files = spool.pendingFiles()
            var live: JournalMark?
            for file in files {
                live = try replay(file, store)
            }
            // New files may have started meanwhile (the journal rotates): go on until none did.
            if spool.pendingFiles().last == files.last { return live }
        }
    }

    /// Replays one file; returns its position when it is the one being appended to.
    private func replay(_ file: String, _ store: EventStore) throws -> JournalMark? {
        let reader = SpoolReader(path: "\(spool.directory)/\(file)", plates: spool.plates)
        var position = try store.spoolPosition(file: file)
        var total = 0
        while true {
            let live = spool.currentFile == file
            let chunk: SpoolReader.Chunk
            do {
                chunk = try reader.read(from: position, limit: spool.readLimit(file), maxEvents: maxBatch, sealed: !live)
            } catch let error as SpoolError {
                setAside(file, error)
                return nil
            }
            if !chunk.bad.isEmpty { try quarantine(file, chunk.bad) }
            var entries = chunk.entries
            let writers = Set(entries.compactMap { $0.batch.map(EventStore.writer(of:)) })
            if !writers.isEmpty {
                let committed = Set(try writers.compactMap { try store.lastBatch(writer: $0) })
                let before = entries.count
                entries.removeAll { $0.batch.map(committed.contains) ?? false }
                if entries.count < before {
                    stats.add(.saved, before - entries.count)
                    logger.info("Spooled batch already committed; not saved again",
                                metadata: ["spool.file": "\(file)", "events.count": "\(before - entries.count)"])
                    missed()
                }
            }
            if !entries.isEmpty {
                try save(entries, file: file, end: chunk.end, store)
            } else if chunk.end > position {
                try store.markSpooled(file: file, replayedBytes: chunk.end)
            }
            total += entries.count
            if chunk.end == position {
                if live { return JournalMark(file: file, end: position) }
                break
            }
            position = chunk.end
        }
        spool.remove(file: file)
        try store.forgetSpool(file: file)
        if total > 0 { logger.info("Spooled events saved", metadata: ["spool.file": "\(file)", "events.count": "\(total)"]) }
        return nil
    }

    /// Saves entries up to `end` of `file` in one statement; one by one if the server refuses them together.
    private func save(_ entries: [SpoolReader.Entry], file: String, end: Int, _ store: EventStore) throws {
        do {
            let saved = try store.insert(entries.map(\.event), recording: .spool(file: file, bytes: end))
            stats.add(.saved, saved.count); stats.add(.replayed, saved.count)
            deliver(saved)
        } catch let error as PostgresError where !error.isTransient {
            logger.error("PostgreSQL refused spooled events; saving them one by one", metadata: ["error": "\(error)"])
            try saveOneByOne(entries, file: file, store)
            try store.markSpooled(file: file, replayedBytes: end)
        }
    }

    /// Saves spooled entries one at a time, each recording its own line's end.
    func saveOneByOne(_ entries: [SpoolReader.Entry], file: String, _ store: EventStore) throws {
        for entry in entries {
            do {
                let saved = try store.insert([entry.event], recording: .spool(file: file, bytes: entry.end))
                stats.add(.saved, saved.count); stats.add(.replayed, saved.count)
                deliver(saved)
            } catch let error as PostgresError where !error.isTransient {
                reject(entry.event, error)
                try store.markSpooled(file: file, replayedBytes: entry.end)
            }
        }
    }

    /// An event PostgreSQL refuses alone: kept in rejected.jsonl, or counted as lost when even that fails.
    func reject(_ event: NewEvent, _ error: any Error) {
        stats.add(.rejected)
        do {
            try spool.reject(event)
            logger.error("Event refused by PostgreSQL, kept in rejected.jsonl",
                         metadata: ["camera.id": "\(event.cameraID)", "error": "\(error)", "spool.dir": "\(spool.directory)"])
        } catch let writeError {
            stats.add(.lost)
            logger.critical("Event refused by PostgreSQL and not kept: rejected.jsonl cannot be written", metadata: [
                "camera.id": "\(event.cameraID)", "frame": "\(event.frameNumber)", "error": "\(error)",
                "write.error": "\(writeError)"])
        }
    }

    private func quarantine(_ file: String, _ bad: [Range<Int>]) throws {
        do {
            try spool.quarantine(file: file, bad)
            quarantineFailed = false
            logger.error("Spool lines quarantined", metadata: [
                "spool.file": "\(file)", "lines": "\(bad.count)", "quarantine": "\(spool.directory)/quarantine-\(file)"])
        } catch {
            if !quarantineFailed {
                logger.critical("Spool lines cannot be quarantined; the replay waits", metadata: ["spool.file": "\(file)", "error": "\(error)"])
            }
            quarantineFailed = true
            throw error
        }
    }

    private func setAside(_ file: String, _ error: SpoolError) {
        do {
            try spool.setAside(file: file)
            logger.error("Spool file unreadable; set aside", metadata: [
                "spool.file": "\(file)", "error": "\(error)", "quarantine": "\(spool.directory)/quarantine-\(file)"])
        } catch {
            logger.error("Spool file unreadable; left in place for the next start", metadata: ["spool.file": "\(file)", "error": "\(error)"])
        }
    }
}
