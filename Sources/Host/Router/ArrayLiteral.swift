import Foundation

/// Builds a PostgreSQL array literal: `{"a","b\"c",NULL}`.
package struct ArrayLiteral {
    package init() {}

    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    /// Adds a text element (NULL for nil).
    package mutating func add(_ value: String?) {
        guard var value else {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "NULL".utf8)
            return
        }
        value.withUTF8 { add(bytes: $0) }
    }

    /// Adds a text element from UTF-8 bytes.
    package mutating func add<C: Collection<UInt8>>(bytes value: C) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        for b in value {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Adds an element as it is (numbers).
    package mutating func addRaw(_ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: value.utf8)
    }

    /// The literal.
    package var text: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }
}
