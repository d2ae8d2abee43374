import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PluginAPI

/// The entry symbol vigil looks up: three lines.
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "post", version: "1.0.0", summary: "POSTs each event's JSON to a URL",
                         makeSink: { try PostSink(context: $0) })
    }
}

/// POSTs each stored event, exactly as vigil published it, to `url`. It makes one attempt per
/// call and says how it went; vigil owns retries, backoff and the dead-letter file.
final class PostSink: FilteringSink {
    /// The plugin's config with its defaults; plugins.json keys are snake_case.
    struct Config: Codable {
        var url = ""
        var eventTypes: [String] = []
        var timeoutMS = 5000
    }

    private let url: URL
    private let eventTypes: Set<String>
    private let session: URLSession

    init(context: PluginContext) throws {
        let config = try context.decodeConfig(defaults: Config())
        guard let url = URL(string: config.url), ["http", "https"].contains(url.scheme ?? "") else {
            throw PluginError("\(context.configPath).url: expected an http(s) URL, found \"\(config.url)\"")
        }
        guard config.timeoutMS > 0 else { throw PluginError("\(context.configPath).timeout_ms: must be at least 1") }
        self.url = url
        eventTypes = Set(config.eventTypes)
        let settings = URLSessionConfiguration.ephemeral
        settings.timeoutIntervalForRequest = Double(config.timeoutMS) / 1000
        session = URLSession(configuration: settings)
    }

    /// Only the configured event types (all when none is configured) are queued for this sink.
    func wants(_ event: StoredEvent) -> Bool { eventTypes.isEmpty || eventTypes.contains(event.type) }

    func deliver(_ event: StoredEvent) async -> Delivery {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(String(event.id), forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = Data(event.json.utf8)
        let response: HTTPURLResponse
        do {
            guard let http = try await session.data(for: request).1 as? HTTPURLResponse else {
                return .retry(after: nil, reason: "not an HTTP response")
            }
            response = http
        } catch {
            return .retry(after: nil, reason: "\(error.localizedDescription)")
        }
        switch response.statusCode {
        case 200..<300: return .delivered
        case 410: return .disable(reason: "HTTP 410 Gone: the endpoint was removed")
        case 408, 429, 500...599:
            let after = response.value(forHTTPHeaderField: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
            return .retry(after: after, reason: "HTTP \(response.statusCode)")
        default: return .failed(reason: "HTTP \(response.statusCode)")
        }
    }

    func close() async { session.invalidateAndCancel() }
}
