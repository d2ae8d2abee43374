import VigilRedisClient
import XCTest

/// REDIS_URL and REDIS_HOST/PORT/DB/PASSWORD parsing, and the backoff schedule (pure logic).
final class ConfigurationTests: XCTestCase {
    func testURLWithPasswordPortAndDatabase() throws {
        let c = try RedisConfiguration(url: "redis://:s%40cret@redis.local:6380/3")
        XCTAssertEqual(c.host, "redis.local")
        XCTAssertEqual(c.port, 6380)
        XCTAssertEqual(c.database, 3)
        XCTAssertEqual(c.password, "s@cret")
        XCTAssertNil(c.username)
        XCTAssertEqual(c.address, "redis.local:6380/3")
    }

    func testURLDefaultsAndUser() throws {
        let plain = try RedisConfiguration(url: "redis://10.0.0.5")
        XCTAssertEqual([plain.port, plain.database], [6379, 0])
        XCTAssertNil(plain.password)
        let user = try RedisConfiguration(url: "redis://vigil:pw@h:1/0")
        XCTAssertEqual(user.username, "vigil")
        XCTAssertEqual(user.password, "pw")
    }

    func testBadURLsNameTheVariable() {
        for (url, expected) in [("http://h:1/0", "scheme redis://"), ("rediss://h/0", "TLS"),
                                ("redis://h:1/abc", "database number"), ("redis:///0", "host")] {
            XCTAssertThrowsError(try RedisConfiguration(url: url), url) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("REDIS_URL: "), message)
                XCTAssertTrue(message.contains(expected), message)
            }
        }
    }

    func testEnvironmentVariables() throws {
        let c = try RedisConfiguration(environment: ["REDIS_HOST": "cache", "REDIS_PORT": "7000", "REDIS_DB": "2",
                                                     "REDIS_PASSWORD": "pw", "REDIS_POOL_SIZE": "9"])
        XCTAssertEqual(c.host, "cache")
        XCTAssertEqual(c.port, 7000)
        XCTAssertEqual(c.database, 2)
        XCTAssertEqual(c.password, "pw")
        XCTAssertEqual(c.poolSize, 9)
        let url = try RedisConfiguration(environment: ["REDIS_URL": "redis://u:1/5", "REDIS_HOST": "ignored"])
        XCTAssertEqual(url.host, "u")
        XCTAssertEqual(url.database, 5)
        let defaults = try RedisConfiguration(environment: [:])
        XCTAssertEqual(defaults.address, "127.0.0.1:6379/0")
        XCTAssertThrowsError(try RedisConfiguration(environment: ["REDIS_PORT": "70000"])) {
            XCTAssertEqual("\($0)", "REDIS_PORT: expected a whole number from 1 to 65535, found \"70000\"")
        }
        XCTAssertThrowsError(try RedisConfiguration(environment: ["REDIS_DB": "x"])) {
            XCTAssertTrue("\($0)".hasPrefix("REDIS_DB: "))
        }
    }

    func testTimeoutsRetriesKeepaliveAndHealthFromTheEnvironment() throws {
        let c = try RedisConfiguration(environment: [
            "REDIS_CONNECT_TIMEOUT_SECONDS": "0.5", "REDIS_COMMAND_TIMEOUT_SECONDS": "12",
            "REDIS_RETRY_ATTEMPTS": "9", "REDIS_RETRY_BASE_SECONDS": "0.25", "REDIS_RETRY_CAP_SECONDS": "4",
            "REDIS_KEEPALIVE_SECONDS": "0", "REDIS_HEALTH_CHECK_SECONDS": "7.5"])
        XCTAssertEqual(c.connectTimeout, .milliseconds(500))
        XCTAssertEqual(c.commandTimeout, .seconds(12))
        XCTAssertEqual(c.retry, RedisRetryPolicy(attempts: 9, base: .milliseconds(250), cap: .seconds(4)))
        XCTAssertNil(c.keepAlive, "0 turns keepalive off")
        XCTAssertEqual(c.healthCheckInterval, .milliseconds(7500))
        let defaults = try RedisConfiguration(environment: ["REDIS_RETRY_ATTEMPTS": ""])
        XCTAssertEqual(defaults, RedisConfiguration(), "unset or empty variables keep the defaults")
        for (key, raw) in [("REDIS_CONNECT_TIMEOUT_SECONDS", "0"), ("REDIS_COMMAND_TIMEOUT_SECONDS", "soon"),
                           ("REDIS_RETRY_BASE_SECONDS", "-1"), ("REDIS_KEEPALIVE_SECONDS", "inf"),
                           ("REDIS_RETRY_ATTEMPTS", "0")] {
            XCTAssertThrowsError(try RedisConfiguration(environment: [key: raw]), key) {
                XCTAssertTrue("\($0)".hasPrefix("\(key): expected "), "\($0)")
                XCTAssertTrue("\($0)".hasSuffix("found \"\(raw)\""), "\($0)")
            }
        }
    }

    func testBackoffDoublesUpToTheCap() {
        let policy = RedisRetryPolicy(attempts: 8, base: .milliseconds(100), cap: .milliseconds(500))
        XCTAssertEqual((1...5).map { policy.delay(afterAttempt: $0) },
                       [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
    }
}
