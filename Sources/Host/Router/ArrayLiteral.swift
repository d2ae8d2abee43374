import Foundation

/// Builds a PostgreSQL array literal: `{"a","b\"c",NULL}`.
struct ArrayLiteral {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    mutating func add(_ value: String?) {
        guard var value else {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "NULL".utf8)
            return
        }
        value.withUTF8 { add(bytes: $0) }
    }

    mutating func add<C: Collection<UInt8>>(bytes value: C) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        for b in value {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func addRaw(_ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: value.utf8)
    }

    var text: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }
}
