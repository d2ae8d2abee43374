import CCrypto

/// AES-256-GCM (NIST SP 800-38D) through OpenSSL's EVP interface: a 32-byte key, a fresh random
/// 12-byte nonce per message (from `RAND_bytes`), a 16-byte tag. `seal` returns
/// `nonce | ciphertext | tag` as one byte string; `open` checks the tag before returning anything,
/// so a wrong key or altered bytes give `CryptoError`, never wrong plaintext.
public enum AESGCM {
    /// Key, nonce and tag lengths in bytes.
    public static let keyLength = 32, nonceLength = 12, tagLength = 16

    /// The cipher, fetched from OpenSSL's provider once: passing `EVP_aes_256_gcm()` makes every
    /// init fetch it again by name (OpenSSL 3's implicit fetch), which costs more than the encryption
    /// of a plate. Fetched ciphers are immutable and may be shared between threads.
    nonisolated(unsafe) private static let cipher: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)

    private static func fetchedCipher() throws -> OpaquePointer {
        guard let cipher else { throw CryptoError.openSSL("EVP_CIPHER_fetch", fallback: "AES-256-GCM is not available") }
        return cipher
    }

    /// Encrypts `plaintext` under `key`, authenticating `aad` too (it is not stored: `open` needs the same).
    public static func seal(_ plaintext: [UInt8], key: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        try checkKey(key)
        var nonce = [UInt8](repeating: 0, count: nonceLength)
        guard RAND_bytes(&nonce, Int32(nonceLength)) == 1 else {
            throw CryptoError.openSSL("RAND_bytes", fallback: "no random bytes for the nonce")
        }
        let context = try CipherContext()
        try context.check(EVP_EncryptInit_ex(context.handle, try fetchedCipher(), nil, key, nonce), "EVP_EncryptInit_ex")
        var length: Int32 = 0
        if !aad.isEmpty {
            try context.check(EVP_EncryptUpdate(context.handle, nil, &length, aad, Int32(aad.count)), "EVP_EncryptUpdate(aad)")
        }
        var out = nonce + [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var written = 0
        try out.withUnsafeMutableBufferPointer { buffer in
            let body = buffer.baseAddress! + nonceLength
            if !plaintext.isEmpty {
                try context.check(EVP_EncryptUpdate(context.handle, body, &length, plaintext, Int32(plaintext.count)), "EVP_EncryptUpdate")
                written = Int(length)
            }
            try context.check(EVP_EncryptFinal_ex(context.handle, body + written, &length), "EVP_EncryptFinal_ex")
            written += Int(length)
            try context.check(EVP_CIPHER_CTX_ctrl(context.handle, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), body + written),
                              "EVP_CIPHER_CTX_ctrl(GET_TAG)")
        }
        guard written == plaintext.count else {
            throw CryptoError(operation: "EVP_EncryptFinal_ex", message: "wrote \(written) bytes for \(plaintext.count)")
        }
        return out
    }

    /// Decrypts `nonce | ciphertext | tag` made by `seal` under `key` with the same `aad`.
    /// Throws `CryptoError` (operation `EVP_DecryptFinal_ex`, "authentication failed") when the
    /// tag does not match: a different key, different `aad`, or altered bytes.
    public static func open(_ sealed: [UInt8], key: [UInt8], aad: [UInt8] = []) throws -> [UInt8] {
        try checkKey(key)
        guard sealed.count >= nonceLength + tagLength else {
            throw CryptoError(operation: "AES-GCM open", message: "\(sealed.count) bytes, fewer than a nonce and a tag (\(nonceLength + tagLength))")
        }
        let nonce = Array(sealed.prefix(nonceLength)), tag = Array(sealed.suffix(tagLength))
        let body = Array(sealed[nonceLength..<(sealed.count - tagLength)])
        let context = try CipherContext()
        try context.check(EVP_DecryptInit_ex(context.handle, try fetchedCipher(), nil, key, nonce), "EVP_DecryptInit_ex")
        var length: Int32 = 0
        if !aad.isEmpty {
            try context.check(EVP_DecryptUpdate(context.handle, nil, &length, aad, Int32(aad.count)), "EVP_DecryptUpdate(aad)")
        }
        var out = [UInt8](repeating: 0, count: body.count + tagLength)
        var written = 0
        if !body.isEmpty {
            try context.check(EVP_DecryptUpdate(context.handle, &out, &length, body, Int32(body.count)), "EVP_DecryptUpdate")
            written = Int(length)
        }
        var expected = tag
        try context.check(EVP_CIPHER_CTX_ctrl(context.handle, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), &expected),
                          "EVP_CIPHER_CTX_ctrl(SET_TAG)")
        let final = out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context.handle, $0.baseAddress! + written, &length) }
        guard final == 1 else {
            // GCM's tag check queues no OpenSSL error: say what it means.
            throw CryptoError.openSSL("EVP_DecryptFinal_ex", fallback: "authentication failed (wrong key or altered data)")
        }
        return Array(out.prefix(written + Int(length)))
    }

    private static func checkKey(_ key: [UInt8]) throws {
        guard key.count == keyLength else {
            throw CryptoError(operation: "AES-256-GCM", message: "the key is \(key.count) bytes, expected \(keyLength)")
        }
    }
}

/// One `EVP_CIPHER_CTX`, freed in deinit.
private final class CipherContext {
    let handle: OpaquePointer

    init() throws {
        guard let handle = EVP_CIPHER_CTX_new() else {
            throw CryptoError.openSSL("EVP_CIPHER_CTX_new", fallback: "out of memory")
        }
        self.handle = handle
    }

    deinit { EVP_CIPHER_CTX_free(handle) }

    /// Turns a libcrypto return code (1 = success) into a `CryptoError`.
    func check(_ result: Int32, _ operation: String) throws {
        guard result == 1 else { throw CryptoError.openSSL(operation, fallback: "failed (code \(result))") }
    }
}
