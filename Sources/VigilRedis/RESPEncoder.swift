/// Encodes commands in the Redis protocol (RESP arrays of bulk strings), so a whole pipeline is
/// handed to hiredis with one `redisAppendFormattedCommand` instead of one allocation per argument.
enum RESPEncoder {
    static func encode(_ args: [String], into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "*"))
        appendDecimal(args.count, to: &buffer)
        for arg in args {
            buffer.append(UInt8(ascii: "$"))
            appendDecimal(arg.utf8.count, to: &buffer)
            buffer.append(contentsOf: arg.utf8)
            buffer.append(13); buffer.append(10)
        }
    }

    /// Appends `n` in decimal and CRLF.
    private static func appendDecimal(_ n: Int, to buffer: inout [UInt8]) {
        let start = buffer.count
        var v = n
        repeat { buffer.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 } while v > 0
        buffer[start...].reverse()
        buffer.append(13); buffer.append(10)
    }
}
