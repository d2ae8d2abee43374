import CCrypto

/// HMAC message authentication (RFC 2104) computed by OpenSSL's libcrypto.
public enum HMAC {
    /// The length in bytes of an HMAC-SHA256 tag.
    public static let sha256Length = 32

    /// HMAC-SHA256 of `message` under `key` (any length, empty allowed): 32 bytes.
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // OpenSSL reads a NULL key as "reuse the previous key", so an empty key still gets a real
        // (zero-length) buffer; the same for an empty message.
        let keyBytes = key.isEmpty ? [0] : key
        let messageBytes = message.isEmpty ? [0] : message
        let result = keyBytes.withUnsafeBytes { keyBuffer in
            messageBytes.withUnsafeBufferPointer { messageBuffer in
                tag.withUnsafeMutableBufferPointer { out in
                    CCrypto.HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(key.count),
                                 messageBuffer.baseAddress, message.count, out.baseAddress, &length)
                }
            }
        }
        // Only an allocation failure inside OpenSSL can make a one-shot HMAC with a built-in
        // digest fail; there is nothing a caller could do about it.
        precondition(result != nil && Int(length) == sha256Length, "OpenSSL HMAC(EVP_sha256()) failed")
        return Array(tag.prefix(Int(length)))
    }
}
