/// Decodes a plugin's config (`Decodable`) straight from `JSONValue`s: the user's config first,
/// the plugin's defaults (encoded) where the config has no value. Keys match ignoring case and
/// underscores (`camera_ids` fills `cameraIDs`), every key the type asks for is recorded, and
/// errors carry the JSON path in the user's own spelling. What the type never asked for is unknown.
final class ConfigDecoding {
    private let root: String
    /// Normalised paths of the keys the type asked for (also keys it found missing: optionals).
    private var read: Set<String> = []
    /// Normalised paths of objects read whole (dictionaries, free-form JSON): all their keys are known.
    private var whole: Set<String> = []

    init(root: String) { self.root = root }

    static func normalise(_ key: String) -> String { String(key.lowercased().filter { $0 != "_" }) }

    func decode<T: Decodable>(_ type: T.Type, config: JSONValue, defaults: JSONValue) throws -> T {
        let top: JSONValue = if case .null = config { .object([]) } else { config }
        do { return try T(from: ValueDecoder(value: top, defaults: defaults, codingPath: [], state: self)) } catch let error as DecodingError {
            throw PluginError(PluginContext.describe(error, under: root))
        }
    }

    /// JSON paths (as written in plugins.json) of the keys of `config` the type never asked for.
    func unreadKeys(of config: JSONValue) -> [String] {
        var unknown: [String] = []
        func walk(_ value: JSONValue, _ normalised: String, _ shown: String) {
            guard !whole.contains(normalised) else { return }
            switch value {
            case .object(let members):
                for (key, child) in members {
                    let n = "\(normalised).\(Self.normalise(key))", s = "\(shown).\(key)"
                    if read.contains(n) { walk(child, n, s) } else { unknown.append(s) }
                }
            case .array(let items):
                for (i, item) in items.enumerated() { walk(item, "\(normalised)[\(i)]", "\(shown)[\(i)]") }
            default: break
            }
        }
        walk(config, "", root)
        return unknown
    }

    fileprivate static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(normalise(key.stringValue))" }.joined()
    }
    fileprivate func markRead(_ codingPath: [any CodingKey], _ key: any CodingKey) {
        read.insert(Self.path(codingPath) + ".\(Self.normalise(key.stringValue))")
    }
    fileprivate func markWhole(_ codingPath: [any CodingKey]) { whole.insert(Self.path(codingPath)) }
}

/// A coding key as found in the JSON: its spelling, or an array index.
struct JSONKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}

/// Decodes `T` at `decoder`; a null that `T` does not accept (JSONValue and optionals do) says "found null".
private func decodeValue<T: Decodable>(_ type: T.Type, _ decoder: ValueDecoder) throws -> T {
    guard case .null = decoder.value else { return try T(from: decoder) }
    do { return try T(from: decoder) } catch is DecodingError {
        throw DecodingError.valueNotFound(type, .init(codingPath: decoder.codingPath, debugDescription: "found null"))
    }
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
    .typeMismatch(type, .init(codingPath: path, debugDescription: "found \(value.typeName)"))
}

private struct ValueDecoder: Decoder {
    /// The config's value here, or the default's where the config has none.
    let value: JSONValue
    /// The default's value here (when the config's is used): object keys the config lacks come from it.
    let defaults: JSONValue?
    let codingPath: [any CodingKey]
    let state: ConfigDecoding
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self, value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, defaults: defaults?.objectValue ?? [],
                                                          codingPath: codingPath, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([JSONValue].self, value, codingPath) }
        return UnkeyedContainer(items: items, codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(key: String, value: JSONValue)]
    let defaults: [(key: String, value: JSONValue)]
    let codingPath: [any CodingKey]
    let state: ConfigDecoding

    var allKeys: [Key] {
        state.markWhole(codingPath)
        let own = Set(members.map { ConfigDecoding.normalise($0.key) })
        let inherited = defaults.filter { !own.contains(ConfigDecoding.normalise($0.key)) }
        return (members + inherited).compactMap { Key(stringValue: $0.key) }
    }

    private static func match(_ key: String, in list: [(key: String, value: JSONValue)]) -> (key: String, value: JSONValue)? {
        if let exact = list.last(where: { $0.key == key }) { return exact }
        let n = ConfigDecoding.normalise(key)
        return list.last { ConfigDecoding.normalise($0.key) == n }
    }

    /// The value for `key`: the config's (shown as written), else the default's (shown in snake_case).
    private func find(_ key: Key) -> ValueDecoder? {
        let fallback = Self.match(key.stringValue, in: defaults)
        if let own = Self.match(key.stringValue, in: members) {
            return ValueDecoder(value: own.value, defaults: fallback?.value,
                                codingPath: codingPath + [JSONKey(stringValue: own.key)], state: state)
        }
        return fallback.map {
            ValueDecoder(value: $0.value, defaults: nil,
                         codingPath: codingPath + [JSONKey(stringValue: JSONValue.snakeCase($0.key))], state: state)
        }
    }

    private func decoder(for key: Key) throws -> ValueDecoder {
        state.markRead(codingPath, key)
        guard let found = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return found
    }

    func contains(_ key: Key) -> Bool { state.markRead(codingPath, key); return find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        state.markRead(codingPath, key)
        guard let found = find(key) else { return true }
        if case .null = found.value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decodeValue(type, try decoder(for: key)) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: .object(members), defaults: .object(defaults), codingPath: codingPath, state: state)
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    let state: ConfigDecoding
    var currentIndex = 0

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next(_ type: Any.Type) throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [JSONKey(intValue: currentIndex)],
                                                          debugDescription: "the array has only \(items.count) items"))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: items[currentIndex], defaults: nil,
                            codingPath: codingPath + [JSONKey(intValue: currentIndex)], state: state)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = items[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type, try next(type)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(type).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next([JSONValue].self).unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next(JSONValue.self) }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    private var value: JSONValue { decoder.value }

    func decodeNil() -> Bool { if case .null = value { return true }; return false }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard let b = value.boolValue else { throw mismatch(type, value, codingPath) }
        return b
    }
    func decode(_ type: String.Type) throws -> String {
        guard let s = value.stringValue else { throw mismatch(type, value, codingPath) }
        return s
    }
    func decode(_ type: Double.Type) throws -> Double {
        guard let d = value.doubleValue else { throw mismatch(type, value, codingPath) }
        return d
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard let i = value.intValue, let fitted = I(exactly: i) else {
            let found = value.doubleValue == nil ? "found \(value.typeName)" : "found \(value.jsonString)"
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: found))
        }
        return fitted
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}
