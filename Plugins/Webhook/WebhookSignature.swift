import VigilCrypto

/// Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-signature` is
/// `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`.
struct WebhookSignature {
    /// The HMAC key.
    let key: [UInt8]

    /// The key a secret stands for: the base64-decoded part after `whsec_` (the Standard Webhooks
    /// form), else the secret's UTF-8 bytes. Nil when a `whsec_` secret is not base64.
    static func key(fromSecret secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_") else { return Array(secret.utf8) }
        guard let key = Base64.decode(String(secret.dropFirst("whsec_".count))), !key.isEmpty else { return nil }
        return key
    }

    /// The `webhook-signature` value for one attempt.
    func header(id: String, timestamp: Int, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        return "v1," + Base64.encode(HMAC.sha256(key: key, message: message))
    }
}
