import VigilConfig
import VigilRouter

/// How the API shows plates: the keys (nil: plates are stored plain) and the view its callers are
/// entitled to (`.plain` when they carry the API token, `.redacted` when no token is set).
struct PlateAccess: Sendable {
    var vault: PlateVault?
    var view: PlateView = .plain

    /// Whether a row's `event_data` text may need its plates decrypted or redacted: a byte search
    /// for `"plate_key"` (sealed rows) when plates are shown plain, else for `"anpr_result"`, so
    /// the other rows keep the list's fast path (no parse, no re-encode).
    func mayApply(to data: [UInt8]) -> Bool {
        Self.contains(data, view == .plain ? Self.sealedMark : Self.platesMark)
    }

    private static let sealedMark = Array("\"plate_key\"".utf8), platesMark = Array("\"anpr_result\"".utf8)

    private static func contains(_ data: [UInt8], _ needle: [UInt8]) -> Bool {
        guard data.count >= needle.count else { return false }
        var i = 0
        while i <= data.count - needle.count {
            if data[i] == needle[0], data[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// The condition matching events of `plate` (normalised, non-empty) from parameter number
    /// `next` on, and its parameters: rows sealed under any configured key by `plate_hmac`,
    /// rows stored plain by their normalised plate (both through partial indexes, migration 5).
    func condition(plate: String, next: Int) -> (sql: String, params: [String?]) {
        var hashes = ArrayLiteral()
        vault?.searchHashes(plate).forEach { hashes.add($0) }
        let sql = "((event_data ? 'plate_key' AND event_data->>'plate_hmac' = ANY($\(next)::text[]))"
            + " OR (event_data ? 'anpr_result' AND NOT event_data ? 'plate_key' AND \(PlateFields.plainPlateSQL) = $\(next + 1)))"
        return (sql, [hashes.text, PlateVault.normalise(plate)])
    }
}
