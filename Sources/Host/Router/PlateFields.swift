import PluginAPI
import VigilConfig

/// Which parts of an event's `event_data` are plates, and how they are sealed, opened and
/// redacted. Any event whose `event_data` holds an `anpr_result` object carries plates; the
/// sensitive strings are those that name a vehicle or its owner:
/// `anpr_result.license_plate` (and `anpr_result.plate`), `candidates[].plate`, `votes[].plate`,
/// `known_plate.plate` and `known_plate.label` (a label such as "J. Smith's van" says who).
/// Confidences, regions, boxes and counts stay readable. A sealed `event_data` also holds
/// `plate_hmac` (what `?plate=` searches) and `plate_key` (the key id, what a rotation looks for).
package enum PlateFields {
    /// What a redacted plate reads.
    package static let redactedText = "[redacted]"

    /// SQL for a row's plate as searched for, when stored plain: what `PlateVault.normalise` does
    /// (letters and digits, uppercased), indexed by migration 5.
    package static let plainPlateSQL = "upper(regexp_replace(COALESCE(event_data->'anpr_result'->>'license_plate', "
        + "event_data->'anpr_result'->>'plate'), '[^[:alnum:]]', '', 'g'))"

    /// Whether `data` carries plates.
    package static func holdsPlates(_ data: JSONValue) -> Bool {
        guard case .object(let members) = data else { return false }
        return members.contains { $0.key == "anpr_result" && $0.value.objectValue != nil }
    }

    /// Whether `data` was sealed (it has `plate_key`).
    package static func isSealed(_ data: JSONValue) -> Bool { data["plate_key"]?.stringValue != nil }

    /// The plate read (`anpr_result.license_plate`, else `anpr_result.plate`).
    static func mainPlate(_ data: JSONValue) -> String? {
        data["anpr_result"]?["license_plate"]?.stringValue ?? data["anpr_result"]?["plate"]?.stringValue
    }

    /// `data` with each plate text encrypted, plus `plate_hmac` and `plate_key`; nil when it carries no plates.
    package static func seal(_ data: JSONValue, _ vault: PlateVault) throws -> JSONValue? {
        guard holdsPlates(data), !isSealed(data) else { return nil }
        let hash = mainPlate(data).map(vault.searchHash)
        var sealed = try mapPlates(data) { try vault.seal($0) }
        append(&sealed, [("plate_hmac", hash.map(JSONValue.string) ?? .null), ("plate_key", .string(vault.current.id))])
        return sealed
    }

    /// `data` as the plugin emitted it: envelopes decrypted, `plate_hmac` and `plate_key` removed.
    /// Throws `PlateError` (event id, key id, cause) when a value cannot be decrypted.
    package static func open(_ data: JSONValue, _ vault: PlateVault?, eventID: Int64?) throws -> JSONValue {
        guard isSealed(data) else { return data }
        guard let vault else {
            throw PlateError(eventID: eventID, message: "plates are encrypted (key id \(data["plate_key"]?.stringValue ?? "?"))"
                             + " and PLATE_ENCRYPTION_KEY is not set")
        }
        var plain = try mapPlates(data) { try vault.open($0, eventID: eventID) }
        remove(&plain, ["plate_hmac", "plate_key"])
        return plain
    }

    /// `data` shown as `view`. A value that cannot be decrypted is never shown as text: the plates
    /// are redacted and `plate_error` says why. Rows stored plain are redacted too when asked.
    package static func show(_ data: JSONValue, as view: PlateView, _ vault: PlateVault?, eventID: Int64?) -> JSONValue {
        switch view {
        case .encrypted:
            return data
        case .plain:
            do { return try open(data, vault, eventID: eventID) } catch {
                var shown = redact(data, vault)
                append(&shown, [("plate_error", .string("\(error)"))])
                return shown
            }
        case .redacted:
            return redact(data, vault)
        }
    }

    /// Plates replaced by `[redacted]`; `plate_hmac` kept (added to a plain row when a key is set), `plate_key` removed.
    static func redact(_ data: JSONValue, _ vault: PlateVault?) -> JSONValue {
        guard holdsPlates(data) else { return data }
        let hash = isSealed(data) ? nil : mainPlate(data).flatMap { vault?.searchHash($0) }
        var shown = mapPlates(data) { _ in redactedText }
        remove(&shown, ["plate_key"])
        if let hash { append(&shown, [("plate_hmac", .string(hash))]) }
        return shown
    }

    /// `data` with `transform` applied to every plate text (strings only; other values kept).
    static func mapPlates(_ data: JSONValue, _ transform: (String) throws -> String) rethrows -> JSONValue {
        guard case .object(var members) = data else { return data }
        func text(_ v: JSONValue) throws -> JSONValue { if case .string(let s) = v { return .string(try transform(s)) }; return v }
        func fields(_ v: JSONValue, _ keys: Set<String>) throws -> JSONValue {
            guard case .object(var m) = v else { return v }
            for i in m.indices where keys.contains(m[i].key) { m[i].value = try text(m[i].value) }
            return .object(m)
        }
        for i in members.indices {
            switch members[i].key {
            case "anpr_result": members[i].value = try fields(members[i].value, ["license_plate", "plate"])
            case "known_plate": members[i].value = try fields(members[i].value, ["plate", "label"])
            case "candidates", "votes":
                if case .array(let items) = members[i].value { members[i].value = .array(try items.map { try fields($0, ["plate"]) }) }
            default: break
            }
        }
        return .object(members)
    }

    private static func append(_ data: inout JSONValue, _ extra: [(String, JSONValue)]) {
        guard case .object(var members) = data else { return }
        let names = Set(extra.map(\.0))
        members.removeAll { names.contains($0.key) }
        members += extra.map { (key: $0.0, value: $0.1) }
        data = .object(members)
    }

    private static func remove(_ data: inout JSONValue, _ keys: Set<String>) {
        guard case .object(var members) = data else { return }
        members.removeAll { keys.contains($0.key) }
        data = .object(members)
    }
}
