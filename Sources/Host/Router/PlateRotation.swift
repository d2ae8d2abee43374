import PluginAPI
import VigilPostgres

/// Re-encrypts every stored plate under the vault's current key (`vigil plates rotate-key`), in
/// batches of `batchSize` rows, each batch one transaction that also records how far it got
/// (`vigil_plate_rotation`). A row's `plate_key` says which key it is under, so the work left is
/// always "ANPR rows whose `plate_key` is not the current key id" (rows stored plain included):
/// killing the command at any point and running it again finishes the job, never twice the same
/// row, never a row lost. Rows under a key the vault lacks stop it with a `PlateError` naming
/// the event and the key id; the batches before it stay done.
package struct PlateRotation {
    /// The target key (`current`) and every key rows may be under now.
    let vault: PlateVault
    let batchSize: Int

    /// What a run did so far.
    package struct Progress: Sendable {
        /// Rows re-encrypted by this run.
        package var rotated = 0
        /// The last event id handled.
        package var lastID: Int64 = 0
    }

    package init(vault: PlateVault, batchSize: Int) { self.vault = vault; self.batchSize = max(1, batchSize) }

    /// The rows' condition: ANPR rows not (yet) under the current key.
    static let pending = "event_data ? 'anpr_result' AND jsonb_typeof(event_data->'anpr_result') = 'object'"
        + " AND event_data->>'plate_key' IS DISTINCT FROM $1"

    /// Runs until no row is left; `batchDone` is called after each committed batch.
    package func run(_ db: PostgresConnection, batchDone: (Progress) -> Void = { _ in }) throws -> Progress {
        let keyID = vault.current.id
        var progress = Progress()
        let saved = try db.query("SELECT last_id FROM vigil_plate_rotation WHERE key_id = $1", [keyID], operation: "rotation progress")
        progress.lastID = saved.count == 1 ? Int64(saved[0, 0] ?? "0") ?? 0 : 0
        while true {
            let done = try batch(db, &progress)
            if done > 0 { batchDone(progress); continue }
            // The forward scan is through: anything left behind it (a writer's transaction that
            // committed late, rows of an earlier pass under another target) is picked up from its id.
            let left = try db.query("SELECT min(id) FROM events WHERE \(Self.pending)", [keyID], operation: "rotation check")
            guard let first = left[0, 0].flatMap(Int64.init) else { return progress }
            progress.lastID = min(progress.lastID, first - 1)
        }
    }

    /// Rows still under another key (or plain).
    package func remaining(_ db: PostgresConnection) throws -> Int {
        Int(try db.query("SELECT count(*) FROM events WHERE \(Self.pending)", [vault.current.id], operation: "rotation count")[0, 0] ?? "0") ?? 0
    }

    /// One batch in one transaction; returns the rows it looked at (0: none after `lastID`).
    private func batch(_ db: PostgresConnection, _ progress: inout Progress) throws -> Int {
        let keyID = vault.current.id
        try db.execute("BEGIN")
        do {
            let rows = try db.query("""
                SELECT id, event_data::text FROM events WHERE id > $2 AND \(Self.pending) ORDER BY id LIMIT $3 FOR UPDATE
                """, [keyID, String(progress.lastID), String(batchSize)], operation: "rotation read")
            var ids = ArrayLiteral(), data = ArrayLiteral()
            var last = progress.lastID
            for r in 0..<rows.count {
                let id = Int64(rows[r, 0]!)!
                last = id
                let stored = try JSONValue(parsing: rows[r, 1]!)
                let plain = try PlateFields.open(stored, vault, eventID: id)
                guard let sealed = try PlateFields.seal(plain, vault) else {
                    throw PlateError(eventID: id, message: "holds plates but could not be sealed")
                }
                ids.addRaw(String(id))
                data.add(EventJSON.encode(sealed))
            }
            if rows.count > 0 {
                try db.query("""
                    UPDATE events e SET event_data = v.d::jsonb FROM unnest($1::int[], $2::text[]) AS v(id, d) WHERE e.id = v.id
                    """, [ids.text, data.text], operation: "rotation write")
                try db.query("""
                    INSERT INTO vigil_plate_rotation AS p (key_id, last_id, rows, updated_at) VALUES ($1, $2, $3, NOW())
                    ON CONFLICT (key_id) DO UPDATE SET last_id = EXCLUDED.last_id, rows = p.rows + EXCLUDED.rows, updated_at = NOW()
                    """, [keyID, String(last), String(rows.count)], operation: "rotation progress")
            }
            try db.execute("COMMIT")
            progress.lastID = last
            progress.rotated += rows.count
            return rows.count
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }
}
