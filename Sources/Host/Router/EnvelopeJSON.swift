import Foundation

/// JSON that is not the published event: written by `JSONEncoder` from Codable types (one
/// encoder, one set of options, one string escaper), except where it carries published events,
/// whose bytes are embedded unchanged (`EventJSON` is the one encoder that must reproduce them).
package enum EnvelopeJSON {
    /// The encoder every other JSON of vigil goes through: compact, keys sorted (stable output,
    /// dictionaries included), slashes not escaped.
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as JSON bytes.
    package static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    /// The object `header` encodes to, with one more member `key` whose value is `raw` (JSON bytes
    /// taken as they are), placed first or last: `{"events":[…],"page":1,…}`, `{…,"event":{…}}`.
    package static func object(_ header: some Encodable, adding key: String, raw: [UInt8], first: Bool) throws -> [UInt8] {
        let fields = try encode(header)
        guard fields.first == UInt8(ascii: "{"), fields.last == UInt8(ascii: "}") else {
            throw EncodingError.invalidValue(header, .init(codingPath: [], debugDescription: "expected an object"))
        }
        let inner = fields.dropFirst().dropLast()
        var out: [UInt8] = []
        out.reserveCapacity(fields.count + raw.count + key.utf8.count + 4)
        out.append(UInt8(ascii: "{"))
        if !first { out.append(contentsOf: inner); if !inner.isEmpty { out.append(UInt8(ascii: ",")) } }
        out.append(contentsOf: try encode(key))
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: raw)
        if first { if !inner.isEmpty { out.append(UInt8(ascii: ",")) }; out.append(contentsOf: inner) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The raw value of member `key` when it is the last member of `line`'s object and every member
    /// before it is a plain field (as `object(_:adding:raw:first: false)` writes it): the bytes
    /// between `"key":` and the object's closing brace.
    package static func lastMember(_ key: String, in line: Substring) -> Substring? {
        guard let start = line.range(of: "\"\(key)\":") else { return nil }
        var text = line[start.upperBound...]
        while let first = text.first, first == " " { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        guard text.last == "}" else { return nil }
        return text.dropLast()
    }
}
