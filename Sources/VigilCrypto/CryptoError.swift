import CCrypto

/// A libcrypto call failed: which one, and OpenSSL's own message (from its error queue).
public struct CryptoError: Error, CustomStringConvertible, Equatable {
    /// The operation that failed (`EVP_DecryptFinal_ex`, `RAND_bytes`, …) or what was checked.
    public let operation: String
    /// OpenSSL's message, or vigil's when OpenSSL gives none.
    public let message: String

    public init(operation: String, message: String) { self.operation = operation; self.message = message }

    public var description: String { "\(operation): \(message)" }

    /// The error for `operation`, taking (and clearing) every message OpenSSL queued for this thread.
    static func openSSL(_ operation: String, fallback: String) -> CryptoError {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(operation: operation, message: messages.isEmpty ? fallback : messages.joined(separator: "; "))
    }
}
