import Foundation
import PluginAPI
import VigilCrypto

/// The plugin's `config` object as written in plugins.json; every key but `url` has a default.
/// `headers` is kept as JSON (its keys are the user's own, in the order written) and checked by
/// `WebhookSettings`.
struct WebhookConfig: Codable {
    var url = ""
    var secretEnv = "VIGIL_WEBHOOK_SECRET"
    var eventTypes: [String] = []
    var cameraIDs: [String] = []
    var headers: JSONValue = .object([])
    var minConfidence: Double = 0
    var connectTimeoutMs = 5000
    var timeoutMs = 10000
    var verifyTls = true
    var maxConnections = 8
}

/// The validated configuration of one webhook sink.
struct WebhookSettings: Sendable {
    var url: String
    /// `scheme://host[:port]`, for logs (no path or query, which may hold a token).
    var endpoint: String
    /// The HMAC key, or nil when deliveries go out unsigned.
    var signingKey: [UInt8]?
    var eventTypes: Set<String>
    var cameraIDs: Set<String>
    var minConfidence: Double
    /// Extra headers in the order written.
    var headers: [(name: String, value: String)]
    var connectTimeout: Duration
    var timeout: Duration
    var verifyTLS: Bool
    var maxConnections: Int

    /// Headers the plugin computes for every attempt; a config may not set them.
    static let reserved: Set<String> = ["webhook-id", "webhook-timestamp", "webhook-signature", "content-length", "host"]

    /// Reads and checks `context.config`; every error names its JSON path. `environment` looks up
    /// the secret's variable.
    init(context: PluginContext, environment: (String) -> String? = WebhookSettings.processEnvironment) throws {
        let path = context.configPath
        let config = try context.decodeConfig(defaults: WebhookConfig())

        let url = config.url.trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty else { throw PluginError("\(path).url: required key is missing: expected an http(s) URL") }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty else {
            throw PluginError("\(path).url: expected an http(s) URL like https://hooks.example.com/vigil")
        }
        self.url = url
        endpoint = "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "")

        if config.secretEnv.isEmpty {
            signingKey = nil
        } else {
            guard let secret = environment(config.secretEnv), !secret.isEmpty else {
                throw PluginError("\(path).secret_env: environment variable \(config.secretEnv) is not set or empty "
                    + "(set it, or set secret_env to \"\" to send unsigned webhooks)")
            }
            guard let key = WebhookSignature.key(fromSecret: secret) else {
                throw PluginError("\(path).secret_env: the secret in \(config.secretEnv) starts with whsec_ "
                    + "but the rest is not base64")
            }
            signingKey = key
        }

        eventTypes = Set(config.eventTypes)
        cameraIDs = Set(config.cameraIDs)
        guard config.minConfidence.isFinite else { throw PluginError("\(path).min_confidence: expected a finite number") }
        minConfidence = config.minConfidence
        guard (1...3_600_000).contains(config.connectTimeoutMs) else {
            throw PluginError("\(path).connect_timeout_ms: expected 1 to 3600000, found \(config.connectTimeoutMs)")
        }
        guard (1...3_600_000).contains(config.timeoutMs) else {
            throw PluginError("\(path).timeout_ms: expected 1 to 3600000, found \(config.timeoutMs)")
        }
        guard (1...1024).contains(config.maxConnections) else {
            throw PluginError("\(path).max_connections: expected 1 to 1024, found \(config.maxConnections)")
        }
        connectTimeout = .milliseconds(config.connectTimeoutMs)
        timeout = .milliseconds(config.timeoutMs)
        verifyTLS = config.verifyTls
        maxConnections = config.maxConnections
        headers = try Self.readHeaders(config.headers, path: "\(path).headers")
    }

    /// `headers`: an object of string values whose names are HTTP tokens.
    static func readHeaders(_ value: JSONValue?, path: String) throws -> [(name: String, value: String)] {
        guard let value, value != .null else { return [] }
        guard let members = value.objectValue else { throw PluginError("\(path): expected an object, found \(value.typeName)") }
        return try members.map { name, value in
            guard let text = value.stringValue else {
                throw PluginError("\(path).\(name): expected a string, found \(value.typeName)")
            }
            let separators = "()<>@,;:\\\"/[]?={}"
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !separators.utf8.contains($0) }) else {
                throw PluginError("\(path).\(name): expected a header name (letters, digits, -)")
            }
            guard !reserved.contains(name.lowercased()) else {
                throw PluginError("\(path).\(name): set by the plugin itself, cannot be configured")
            }
            guard !text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" || $0 == "\0" }) else {
                throw PluginError("\(path).\(name): expected a value without line breaks")
            }
            return (name, text)
        }
    }

    /// Reads a variable from the process environment as it is now.
    static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
