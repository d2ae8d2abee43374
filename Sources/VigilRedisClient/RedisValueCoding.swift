import Foundation

/// How values travel: a `String` (or `Substring`) is stored as it is; anything else `Codable`
/// is JSON with sorted keys (dates as ISO-8601). Reading as `String` returns the stored text unchanged.
enum RedisValueCoding {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        if let text = value as? String { return text }
        if let text = value as? Substring { return String(text) }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw RedisClientError.encoding(type: "\(T.self)", message: "\(error)")
        }
    }

    static func decode<T: Decodable>(_ text: String, as type: T.Type, from key: String) throws -> T {
        if let text = text as? T { return text }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw RedisClientError.decoding(key: key, type: "\(T.self)", message: Self.describe(error))
        }
    }

    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            let path = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return (path.isEmpty ? "" : "\(path): ") + c.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
