import PluginAPI
@testable import VigilRouter
import XCTest

/// Times read back from PostgreSQL's text and from published JSON (the API reads one per listed event).
final class TimestampTextTests: XCTestCase {
    func testSQLAndISOTimesParse() {
        let t = Timestamp(microsecondsSince1970: 1_728_649_696_789_123)
        XCTAssertEqual(EventJSON.parseSQLTimestamp("2024-10-11 12:28:16.789123"), t)
        XCTAssertEqual(EventJSON.parseSQLTimestamp(EventJSON.sqlTimestamp(t)), t)
        XCTAssertEqual(EventJSON.parseSQLTimestamp("2024-10-11T12:28:16.789Z"), Timestamp(microsecondsSince1970: 1_728_649_696_789_000),
                       "the milliseconds of a published timestamp are kept")
        XCTAssertEqual(EventJSON.parseSQLTimestamp("2024-10-11T12:28:16.789123"), t, "created_at as published")
        XCTAssertEqual(EventJSON.parseSQLTimestamp("2024-10-11 12:28:16"), Timestamp(microsecondsSince1970: 1_728_649_696_000_000))
        XCTAssertEqual(EventJSON.parseSQLTimestamp("1970-01-01 00:00:00.5"), Timestamp(microsecondsSince1970: 500_000))
        XCTAssertEqual(EventJSON.parseSQLTimestamp("2024-10-11 12:28:16.7891239"), t, "digits past the microsecond are dropped")
        for bad in ["", "yesterday", "2024-10-11", "2024-10-11 12:28", "24-10-11 12:28:16", "2024/10/11 12:28:16"] {
            XCTAssertNil(EventJSON.parseSQLTimestamp(bad), bad)
        }
    }
}
