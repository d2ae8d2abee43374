extension String {
    /// The text of a C error buffer filled by a C function (up to its first NUL).
    package init(errorBuffer: [CChar]) {
        self = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
