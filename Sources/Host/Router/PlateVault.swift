import VigilConfig
import VigilCrypto

/// The keys plates are encrypted under (`PLATE_ENCRYPTION_KEY`, and `PLATE_ENCRYPTION_OLD_KEYS`
/// during a rotation). A plate text is stored as `enc:v1:<key id>:<base64 nonce|ciphertext|tag>`
/// (AES-256-GCM, a fresh nonce per value, the `enc:v1:<key id>` prefix authenticated too);
/// searching uses `plate_hmac`, the hex HMAC-SHA256 of the normalised plate. From each 32-byte
/// secret three keys are derived (HMAC-SHA256 of the secret over a fixed label): the encryption
/// key, the search key and the key id (8 hex digits), so one variable carries all three and a
/// key id can never name a different secret by mistake.
package final class PlateVault: Sendable {
    /// What new values are encrypted under.
    package let current: PlateKey
    /// Every key values may be read with, by id (the current one and the old ones).
    package let keys: [String: PlateKey]

    /// A vault writing under `current`, reading under it and `old`; throws when two secrets share a key id.
    package init(current: [UInt8], old: [[UInt8]] = []) throws {
        self.current = PlateKey(secret: current)
        var keys = [self.current.id: self.current]
        for secret in old where secret != current {
            let key = PlateKey(secret: secret)
            if keys[key.id] != nil {
                throw PlateError(message: "two plate keys share the key id \(key.id); use another secret")
            }
            keys[key.id] = key
        }
        self.keys = keys
    }

    /// The vault of the settings; nil when no key is set.
    package convenience init?(_ settings: PlateSettings) throws {
        guard let key = settings.key else { return nil }
        try self.init(current: key, old: settings.oldKeys)
    }

    /// The envelope prefix of values under `key`: `enc:v1:<key id>:`.
    static func prefix(_ key: PlateKey) -> String { "enc:v1:\(key.id):" }

    /// `text` encrypted under the current key, as an envelope.
    package func seal(_ text: String) throws -> String {
        let prefix = Self.prefix(current)
        let sealed = try AESGCM.seal(Array(text.utf8), key: current.encryption, aad: Array(prefix.utf8))
        return prefix + Base64.encode(sealed)
    }

    /// The text of an envelope. Throws `PlateError` naming the event and the key id when the key
    /// is not configured or the value does not authenticate (wrong key, altered bytes): never wrong text.
    package func open(_ envelope: String, eventID: Int64?) throws -> String {
        guard let (keyID, body) = Self.parse(envelope) else {
            throw PlateError(eventID: eventID, message: "a plate value is not an enc:v1 envelope")
        }
        guard let key = keys[keyID] else {
            let old = keys.keys.filter { $0 != current.id }.sorted().joined(separator: ", ")
            let known = "PLATE_ENCRYPTION_KEY is key id \(current.id)" + (old.isEmpty ? "" : ", PLATE_ENCRYPTION_OLD_KEYS are \(old)")
            throw PlateError(eventID: eventID, message: "plate encrypted under key id \(keyID), which is not configured (\(known))")
        }
        guard let bytes = Base64.decode(String(body)) else {
            throw PlateError(eventID: eventID, message: "plate under key id \(keyID) is not valid base64")
        }
        do {
            let plain = try AESGCM.open(bytes, key: key.encryption, aad: Array(Self.prefix(key).utf8))
            guard let text = String(validating: plain, as: UTF8.self) else {
                throw PlateError(eventID: eventID, message: "plate under key id \(keyID) decrypts to bytes that are not UTF-8")
            }
            return text
        } catch let error as CryptoError {
            throw PlateError(eventID: eventID, message: "cannot decrypt plate under key id \(keyID): \(error)")
        }
    }

    /// The key id and base64 body of an envelope; nil when `value` is none.
    static func parse(_ value: String) -> (keyID: String, body: Substring)? {
        guard value.hasPrefix("enc:v1:") else { return nil }
        let rest = value.dropFirst(7)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return (String(rest[..<colon]), rest[rest.index(after: colon)...])
    }

    /// The key id of an envelope, if `value` is one.
    package static func keyID(of value: String) -> String? { parse(value)?.keyID }

    /// `plate_hmac` of `plate` under the current key.
    package func searchHash(_ plate: String) -> String { current.searchHash(plate) }

    /// `plate_hmac` of `plate` under every key, current first: what a search by plate matches.
    package func searchHashes(_ plate: String) -> [String] {
        [current.searchHash(plate)] + keys.values.filter { $0.id != current.id }.sorted { $0.id < $1.id }.map { $0.searchHash(plate) }
    }

    /// A plate as searched for: letters and digits only, uppercased (`abc-123 ` → `ABC123`).
    package static func normalise(_ plate: String) -> String {
        // The usual plate is ASCII: letters and digits kept, lowercase raised, without Unicode tables.
        if plate.utf8.allSatisfy({ $0 < 0x80 }) {
            let kept = plate.utf8.compactMap { b -> UInt8? in
                switch b {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return b
                case UInt8(ascii: "a")...UInt8(ascii: "z"): return b - 32
                default: return nil
                }
            }
            return String(decoding: kept, as: UTF8.self)
        }
        return String(String.UnicodeScalarView(plate.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }))
            .uppercased()
    }
}

/// The three keys derived from one plate secret.
package struct PlateKey: Sendable {
    /// 8 hex digits naming the secret in envelopes (`enc:v1:<id>:…`) and in `plate_key`.
    package let id: String
    let encryption: [UInt8]
    let search: [UInt8]

    package init(secret: [UInt8]) {
        func derive(_ label: String) -> [UInt8] { HMAC.sha256(key: secret, message: Array(label.utf8)) }
        encryption = derive("vigil plate encryption v1")
        search = derive("vigil plate search v1")
        id = Hex.encode(derive("vigil plate key id v1").prefix(4))
    }

    /// Hex HMAC-SHA256 of the normalised plate under the search key.
    func searchHash(_ plate: String) -> String {
        Hex.encode(HMAC.sha256(key: search, message: Array(PlateVault.normalise(plate).utf8)))
    }
}

/// A plate could not be read or written: which event (when known) and why.
package struct PlateError: Error, CustomStringConvertible, Equatable {
    package var eventID: Int64?
    package let message: String

    package init(eventID: Int64? = nil, message: String) { self.eventID = eventID; self.message = message }

    package var description: String { eventID.map { "event \($0): \(message)" } ?? message }
}

enum Hex {
    static func encode<C: Collection<UInt8>>(_ bytes: C) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
