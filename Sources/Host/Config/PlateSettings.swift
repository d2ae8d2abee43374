import Foundation

/// How plates (ANPR events) are kept and shown: encrypted at rest when `PLATE_ENCRYPTION_KEY` is
/// set, readable under older keys during a rotation, and published plain, encrypted or redacted.
package struct PlateSettings: Sendable, Equatable {
    /// The secret plates are encrypted under (`PLATE_ENCRYPTION_KEY`: 32 bytes, base64); nil: plates are stored plain.
    package var key: [UInt8]?
    /// Earlier secrets rows may still be encrypted under (`PLATE_ENCRYPTION_OLD_KEYS`: base64 keys,
    /// comma-separated): read, never written; `vigil plates rotate-key` moves rows off them.
    package var oldKeys: [[UInt8]]
    /// What Redis subscribers get (`PLATE_PUBLISH`: plain — the default —, encrypted or redacted).
    package var publish: PlateView

    package init(key: [UInt8]? = nil, oldKeys: [[UInt8]] = [], publish: PlateView = .plain) {
        self.key = key; self.oldKeys = oldKeys; self.publish = publish
    }

    init(_ r: inout EnvironmentReader) {
        key = r.text("PLATE_ENCRYPTION_KEY").flatMap { Self.key($0, "PLATE_ENCRYPTION_KEY", &r) }
        oldKeys = (r.text("PLATE_ENCRYPTION_OLD_KEYS") ?? "").split(separator: ",").enumerated().compactMap { i, text in
            Self.key(text.trimmingCharacters(in: .whitespaces), "PLATE_ENCRYPTION_OLD_KEYS", &r, item: i + 1)
        }
        publish = r.choice("PLATE_PUBLISH", .plain, [("plain", .plain), ("encrypted", .encrypted), ("redacted", .redacted)])
        if r.text("PLATE_ENCRYPTION_KEY") == nil {
            if !oldKeys.isEmpty { r.fail("PLATE_ENCRYPTION_OLD_KEYS", "set without PLATE_ENCRYPTION_KEY (the key new rows are encrypted under)") }
            if publish == .encrypted { r.fail("PLATE_PUBLISH", "encrypted needs PLATE_ENCRYPTION_KEY (plates are stored plain without it)") }
        }
    }

    /// A 32-byte key from base64 text; a problem names the variable (and the item of a list) without echoing the secret.
    static func key(_ text: String, _ name: String, _ r: inout EnvironmentReader, item: Int? = nil) -> [UInt8]? {
        let place = item.map { "key \($0): " } ?? ""
        guard let data = Data(base64Encoded: text) else {
            r.fail(name, "\(place)expected 32 bytes in base64 (e.g. from `openssl rand -base64 32`), found text that is not base64 (\(text.count) characters)")
            return nil
        }
        guard data.count == 32 else {
            r.fail(name, "\(place)expected 32 bytes in base64 (e.g. from `openssl rand -base64 32`), found \(data.count) bytes")
            return nil
        }
        return Array(data)
    }
}

/// How stored plates are shown to a reader.
package enum PlateView: String, Sendable, Equatable {
    /// Decrypted: the plate text as the plugin emitted it.
    case plain
    /// As stored: `enc:v1:<key id>:<base64>` envelopes, with `plate_hmac` and `plate_key`.
    case encrypted
    /// `[redacted]` in place of each plate text, with `plate_hmac` (a pseudonym, same plate → same value).
    case redacted
}
