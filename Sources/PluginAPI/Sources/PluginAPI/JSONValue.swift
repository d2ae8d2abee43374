/// A JSON value: event data, plugin config. Objects keep their key order.
@frozen
public enum JSONValue: Sendable, Equatable {
    /// `null`
    case null
    /// `true` / `false`
    case bool(Bool)
    /// A number without fraction or exponent that fits 64 bits.
    case int(Int)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keys in order.
    case object([(key: String, value: JSONValue)])

    /// Compares values; objects compare as key sets (order-insensitive), numbers by value.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.int(x), .double(y)), let (.double(y), .int(x)): return Double(x) == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { pair in y.contains { $0.key == pair.key && $0.value == pair.value } }
        default: return false
        }
    }

    /// The member `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// The element `index` of an array (nil when out of range or not an array).
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The string, if this is a string.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The number as Double, if this is a number.
    public var doubleValue: Double? {
        switch self { case .int(let i): return Double(i); case .double(let d): return d; default: return nil }
    }
    /// The number as Int, if this is an integer (or a double with no fraction).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    /// The Bool, if this is a boolean.
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The members, if this is an object.
    public var objectValue: [(key: String, value: JSONValue)]? { if case .object(let m) = self { return m }; return nil }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }

    /// "a string", "a number", … for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `self` with every member of `overlay` laid over it; nested objects merge, anything else replaces.
    public func merging(_ overlay: JSONValue) -> JSONValue {
        guard case .object(var base) = self, case .object(let top) = overlay else {
            if case .null = overlay { return self }
            return overlay
        }
        for (key, value) in top {
            if let i = base.firstIndex(where: { $0.key == key }) {
                base[i].value = base[i].value.merging(value)
            } else {
                base.append((key, value))
            }
        }
        return .object(base)
    }

    /// JSON paths of object keys in `self` that `reference` does not have (nested objects too).
    public func unknownKeys(comparedTo reference: JSONValue, path: String) -> [String] {
        guard case .object(let members) = self, case .object = reference else { return [] }
        return members.flatMap { key, value -> [String] in
            guard let known = reference[key] else { return ["\(path).\(key)"] }
            return value.unknownKeys(comparedTo: known, path: "\(path).\(key)")
        }
    }

    /// `frameHeight` → `frame_height`, `cameraIDs` → `camera_ids`: an underscore before each
    /// capital that follows a small letter or digit, then all lower case.
    static func snakeCase(_ key: String) -> String {
        var out = ""
        var previous: Character?
        for ch in key {
            if ch.isUppercase, let p = previous, p.isLowercase || p.isNumber { out.append("_") }
            out.append(contentsOf: ch.lowercased())
            previous = ch
        }
        return out
    }

    static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if ["Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64"].contains(name) {
            return "a whole number"
        }
        if ["Double", "Float"].contains(name) { return "a number" }
        if name == "String" { return "a string" }
        if name == "Bool" { return "true or false" }
        if name.hasPrefix("Array") || name.hasPrefix("[") && !name.contains(":") { return "an array" }
        return "an object"
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// `nil` → `null`
    public init(nilLiteral: ()) { self = .null }
    /// `true` → `.bool(true)`
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `3` → `.int(3)`
    public init(integerLiteral value: Int) { self = .int(value) }
    /// `0.5` → `.double(0.5)`
    public init(floatLiteral value: Double) { self = .double(value) }
    /// `"x"` → `.string("x")`
    public init(stringLiteral value: String) { self = .string(value) }
    /// `[1, 2]` → `.array`
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `["a": 1]` → `.object`, in the written order
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
            self = .array(items); return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(try object.allKeys.map { ($0.stringValue, try object.decode(JSONValue.self, forKey: $0)) })
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let i = try? single.decode(Int.self) { self = .int(i) }
        else if let d = try? single.decode(Double.self) { self = .double(d) }
        else { self = .string(try single.decode(String.self)) }
    }

    /// Encodes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .int(let i): var c = encoder.singleValueContainer(); try c.encode(i)
        case .double(let d): var c = encoder.singleValueContainer(); try c.encode(d)
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let items): var c = encoder.unkeyedContainer(); for item in items { try c.encode(item) }
        case .object(let members):
            var c = encoder.container(keyedBy: AnyKey.self)
            for (k, v) in members { try c.encode(v, forKey: AnyKey(stringValue: k)) }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
