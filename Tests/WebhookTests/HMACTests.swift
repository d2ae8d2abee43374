import Foundation
import VigilCrypto
import XCTest

final class HMACTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// RFC 4231 test case 2.
    func testRFC4231Case2() {
        let tag = HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(hex(tag), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 4231 test case 6: a key longer than the block size.
    func testRFC4231Case6LongKey() {
        let tag = HMAC.sha256(key: [UInt8](repeating: 0xaa, count: 131),
                              message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        XCTAssertEqual(hex(tag), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// Empty key and message: the well-known value.
    func testEmptyKeyAndMessage() {
        XCTAssertEqual(hex(HMAC.sha256(key: [], message: [])),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    func testBase64RoundTripMatchesFoundation() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + length) & 0xFF) }
            let encoded = Base64.encode(bytes)
            XCTAssertEqual(encoded, Data(bytes).base64EncodedString())
            XCTAssertEqual(Base64.decode(encoded), bytes)
        }
        XCTAssertEqual(Base64.decode("Zm9vYg"), Array("foob".utf8), "unpadded input is accepted")
        XCTAssertNil(Base64.decode("Zm9v YmFy"))
        XCTAssertNil(Base64.decode("Z"))
        XCTAssertNil(Base64.decode("Zm=9"))
    }
}
