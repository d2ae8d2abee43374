import Foundation
import PluginAPI
import VigilCurl

/// Delivers each stored event to one HTTP(S) endpoint: the published JSON as the body, Standard
/// Webhooks headers, one attempt per `deliver` (the host retries, backs off and dead-letters).
final class WebhookSink: FilteringSink {
    /// The plugin's version, also sent in `user-agent`.
    static let version = "1.0.0"

    let settings: WebhookSettings
    let client: CurlClient
    private let signature: WebhookSignature?
    private let logger: PluginLogger

    /// Validates the config and starts the HTTP client (its thread; nothing is connected yet).
    init(context: PluginContext, environment: (String) -> String? = WebhookSettings.processEnvironment) throws {
        settings = try WebhookSettings(context: context, environment: environment)
        logger = context.logger
        signature = settings.signingKey.map(WebhookSignature.init(key:))
        do {
            client = try CurlClient(maxConnections: settings.maxConnections)
        } catch {
            throw PluginError("\(context.configPath): cannot start the HTTP client: \(error)")
        }
        if signature == nil {
            logger.warning("Webhook deliveries are unsigned (secret_env is empty)",
                           metadata: ["config.path": "\(context.configPath).secret_env", "webhook.endpoint": settings.endpoint])
        }
    }

    /// True when the event passes the `event_types`, `camera_ids` and `min_confidence` filters.
    func wants(_ event: StoredEvent) -> Bool {
        if !settings.eventTypes.isEmpty, !settings.eventTypes.contains(event.type) { return false }
        if !settings.cameraIDs.isEmpty, !settings.cameraIDs.contains(event.cameraID) { return false }
        if let confidence = Self.confidence(of: event), confidence < settings.minConfidence { return false }
        return true
    }

    /// `event_data.confidence`, else `event_data.anpr_result.confidence`, if either is a number.
    static func confidence(of event: StoredEvent) -> Double? {
        event.data["confidence"]?.doubleValue ?? event.data["anpr_result"]?["confidence"]?.doubleValue
    }

    /// One attempt: POSTs the event and classifies the answer (see `WebhookOutcome`); a transfer
    /// that got no answer (refused, DNS, TLS, timeout) is retried.
    func deliver(_ event: StoredEvent) async -> Delivery {
        let request = makeRequest(for: event, timestamp: Int(Date().timeIntervalSince1970))
        let delivery: Delivery
        var metadata = ["event.id": "\(event.id)", "webhook.endpoint": settings.endpoint]
        do {
            let response = try await client.send(request)
            metadata["http.status"] = "\(response.status)"
            delivery = WebhookOutcome.delivery(for: response)
        } catch {
            metadata["error"] = error.description
            delivery = .retry(after: nil, reason: error.description)
        }
        switch delivery {
        case .delivered:
            logger.debug("Webhook delivered", metadata: metadata)
        case .retry(_, let reason):
            metadata["reason"] = reason
            logger.debug("Webhook attempt failed, will retry", metadata: metadata)
        case .failed(let reason):
            metadata["reason"] = reason
            logger.warning("Webhook refused the event", metadata: metadata)
        case .disable(let reason):
            metadata["reason"] = reason
            logger.error("Webhook endpoint is gone, disabling", metadata: metadata)
        @unknown default:
            logger.debug("Webhook attempt finished", metadata: metadata)
        }
        return delivery
    }

    /// The request for one attempt at `timestamp` (Unix seconds): body = the published JSON bytes.
    func makeRequest(for event: StoredEvent, timestamp: Int) -> HTTPRequest {
        let body = Array(event.json.utf8)
        let id = "\(event.id)"
        let custom = Set(settings.headers.map { $0.name.lowercased() })
        var headers: [HTTPHeader] = []
        if !custom.contains("content-type") { headers.append(HTTPHeader("content-type", "application/json")) }
        if !custom.contains("user-agent") { headers.append(HTTPHeader("user-agent", "vigil-webhook/\(Self.version)")) }
        headers.append(HTTPHeader("webhook-id", id))
        headers.append(HTTPHeader("webhook-timestamp", "\(timestamp)"))
        if let signature {
            headers.append(HTTPHeader("webhook-signature", signature.header(id: id, timestamp: timestamp, body: body)))
        }
        headers += settings.headers.map { HTTPHeader($0.name, $0.value) }
        return HTTPRequest(method: "POST", url: settings.url, headers: headers, body: body,
                           connectTimeout: settings.connectTimeout, timeout: settings.timeout,
                           verifyTLS: settings.verifyTLS)
    }

    /// Stops the HTTP client; deliveries still in flight answer retry.
    func close() async {
        client.shutdown()
    }
}
