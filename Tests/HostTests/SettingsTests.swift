import Foundation
@testable import VigilConfig
import XCTest

/// Issue 17: every environment variable is parsed and checked in one place, and `vigil check`
/// names each bad one.
final class SettingsTests: XCTestCase {
    func testEveryVariableIsReadWithItsType() throws {
        let s = try Settings([
            "DATABASE_URL": "postgresql://u@h/db", "REDIS_HOST": "r", "REDIS_PORT": "7001", "REDIS_DB": "3",
            "REDIS_PASSWORD": "pw", "REDIS_CHANNEL_NAME": "ch", "REDIS_EXTRA_CHANNELS": "yes", "REDIS_STREAM": "st",
            "REDIS_STREAM_MAXLEN": "500", "PUBLISH_MAX_AGE_SECONDS": "12.5", "SPOOL_DIR": "/sp", "OVERLOAD_POLICY": "DROP",
            "EVENT_QUEUE_CAPACITY": "42", "SNAPSHOTS_DIR": "/snap", "ENABLE_SNAPSHOTS": "off", "SNAPSHOT_QUEUE_MB": "64",
            "RETENTION_DAYS": "30", "SNAPSHOTS_RETENTION_DAYS": "7", "SNAPSHOTS_MAX_GB": "1.5",
            "RETENTION_INTERVAL_SECONDS": "15", "RETENTION_BATCH_SIZE": "200", "API_PORT": "0", "API_HOST": "127.0.0.1",
            "API_TOKEN": "t", "API_DB_CONNECTIONS": "8", "SINK_DRAIN_SECONDS": "2.5", "DEAD_LETTER_DIR": "/dl",
            "VIGIL_CONFIG": "/c.json", "STATE_DIR": "/st", "VIGIL_PLUGIN_DIR": "/pl", "LOG_LEVEL": "debug",
        ])
        XCTAssertEqual(s.databaseURL, "postgresql://u@h/db")
        XCTAssertEqual(s.redis, RedisAddress(host: "r", port: 7001, database: 3, password: "pw"))
        XCTAssertEqual(s.channel, "ch")
        XCTAssertTrue(s.redisExtraChannels)
        XCTAssertEqual(s.redisStream, "st")
        XCTAssertEqual(s.redisStreamMaxLength, 500)
        XCTAssertEqual(s.publishMaxAgeSeconds, 12.5)
        XCTAssertEqual(s.spoolDir, "/sp")
        XCTAssertEqual(s.overloadPolicy, .drop)
        XCTAssertEqual(s.eventQueueCapacity, 42)
        XCTAssertEqual(s.snapshotsDir, "/snap")
        XCTAssertFalse(s.enableSnapshots)
        XCTAssertEqual(s.snapshotQueueBytes, 64 << 20)
        XCTAssertEqual(s.retention, RetentionSettings(eventsDays: 30, snapshotsDays: 7, snapshotsMaxBytes: 1_610_612_736,
                                                      intervalSeconds: 15, batchSize: 200))
        XCTAssertEqual(s.apiPort, 0)
        XCTAssertEqual(s.apiHost, "127.0.0.1")
        XCTAssertEqual(s.apiToken, "t")
        XCTAssertEqual(s.apiDatabaseConnections, 8)
        XCTAssertEqual(s.sinkDrainSeconds, 2.5)
        XCTAssertEqual(s.deadLetterDir, "/dl")
        XCTAssertEqual(s.configPath, "/c.json")
        XCTAssertEqual(s.stateDir, "/st")
        XCTAssertEqual(s.pluginDir, "/pl")
        XCTAssertEqual(s.logLevel, "debug")

        let defaults = try Settings([:])
        XCTAssertEqual(defaults.retention, RetentionSettings(), "retention is off unless asked for")
        XCTAssertEqual(defaults.overloadPolicy, .block)
        XCTAssertEqual(defaults.eventQueueCapacity, 100_000)
        XCTAssertEqual(defaults.sinkDrainSeconds, 5)
        XCTAssertEqual(try Settings(["RETENTION_DAYS": "10"]).retention.snapshotsDays, 10, "snapshots follow RETENTION_DAYS")
    }

    func testTheHostsRedisClientReadsEveryRedisVariable() throws {
        let s = try Settings(["REDIS_URL": "redis://ops:secret@cache:7002/4", "REDIS_POOL_SIZE": "6",
                              "REDIS_RETRY_ATTEMPTS": "2", "REDIS_HEALTH_CHECK_SECONDS": "0"])
        XCTAssertEqual(s.redis, RedisAddress(host: "cache", port: 7002, database: 4, password: "secret", username: "ops"),
                       "the publisher and the live feed authenticate as the same user")
        XCTAssertEqual(s.redisClient.username, "ops")
        XCTAssertEqual(s.redisClient.poolSize, 6)
        XCTAssertEqual(s.redisClient.retry.attempts, 2)
        XCTAssertNil(s.redisClient.healthCheckInterval)
        XCTAssertEqual(s.redisClient.clientName, "vigil")
        XCTAssertEqual(try Settings(["REDIS_USERNAME": "u2"]).redis.username, "u2")
        XCTAssertThrowsError(try Settings(["REDIS_POOL_SIZE": "0"])) { error in
            XCTAssertTrue("\(error)".contains(#"environment: REDIS_POOL_SIZE: expected a whole number from 1 to 1024, found "0""#), "\(error)")
        }
    }

    func testEveryBadValueIsReportedWithItsName() throws {
        let bad = ["API_PORT": "http", "OVERLOAD_POLICY": "wait", "EVENT_QUEUE_CAPACITY": "lots", "SINK_DRAIN_SECONDS": "-1",
                   "REDIS_EXTRA_CHANNELS": "maybe", "REDIS_STREAM_MAXLEN": "0", "PUBLISH_MAX_AGE_SECONDS": "1h",
                   "LOG_LEVEL": "loud", "RETENTION_DAYS": "a month", "SNAPSHOTS_MAX_GB": "-2", "SNAPSHOT_QUEUE_MB": "0",
                   "REDIS_URL": "http://x"]
        XCTAssertThrowsError(try Settings(bad)) { error in
            let problems = (error as? SettingsError)?.problems ?? []
            XCTAssertEqual(Set(problems.map(\.path)), Set(bad.keys), "\(error)")
            XCTAssertTrue("\(error)".contains(#"environment: OVERLOAD_POLICY: expected block or drop, found "wait""#), "\(error)")
            XCTAssertTrue("\(error)".contains(#"environment: LOG_LEVEL: expected trace, debug, info, notice, warning, error or critical, found "loud""#), "\(error)")
            XCTAssertTrue("\(error)".contains(#"environment: SINK_DRAIN_SECONDS: expected a number from 0 to 86400, found "-1""#), "\(error)")
        }
    }

    func testCheckNamesABadVariable() throws {
        let dir = TestSupport.tempDir("check-env")
        let config = TestSupport.write(#"{"cameras": [], "detectors": []}"#, to: "plugins.json", in: dir)
        let out = try TestSupport.run(TestSupport.vigil, ["check", "--config", config],
                                      environment: ["PATH": "/usr/bin:/bin", "EVENT_QUEUE_CAPACITY": "ten", "API_PORT": "99999"],
                                      directory: dir)
        XCTAssertEqual(out.status, 1)
        XCTAssertTrue(out.stderr.contains(#"error: environment: EVENT_QUEUE_CAPACITY: expected a whole number from 1 to 100000000, found "ten""#), out.stderr)
        XCTAssertTrue(out.stderr.contains(#"error: environment: API_PORT: expected a whole number from 0 to 65535, found "99999""#), out.stderr)

        // The same variable in .env is checked the same way.
        TestSupport.write("SNAPSHOTS_MAX_GB=lots\n", to: ".env", in: dir)
        let fromFile = try TestSupport.run(TestSupport.vigil, ["check", "--config", config], environment: ["PATH": "/usr/bin:/bin"],
                                           directory: dir)
        XCTAssertEqual(fromFile.status, 1)
        XCTAssertTrue(fromFile.stderr.contains(#"error: environment: SNAPSHOTS_MAX_GB: expected a number from 0 to 1000000, found "lots""#),
                      fromFile.stderr)
    }

    func testSinkNamesFollowTheCameraIDRule() throws {
        for name in ["../etc/x", "a/b", "", " lead", String(repeating: "s", count: 101)] {
            let text = #"{"sinks": [{"name": "\#(name)", "library": "libWebhook.so"}]}"#
            XCTAssertThrowsError(try HostConfig.parse(text, file: "plugins.json", baseDir: "/cfg", environment: [:]), name) { error in
                XCTAssertTrue("\(error)".hasPrefix("plugins.json: sinks[0].name: "), "\(error)")
            }
        }
        let ok = try HostConfig.parse(#"{"sinks": [{"name": "alerts-1.b@site:x", "library": "libWebhook.so"}]}"#,
                                      file: "plugins.json", baseDir: "/cfg", environment: [:])
        XCTAssertEqual(ok.sinks.map(\.name), ["alerts-1.b@site:x"])
    }

    func testTimestampsAndRetentionInPluginsJSON() throws {
        let c = try HostConfig.parse("""
            {"retention": {"event_types": {"motion": {"events_days": 7, "snapshots_days": 2}}},
             "cameras": [{"id": "a", "source": "v.avi", "timestamps": "media", "retention": {"events_days": 365}},
                         {"id": "b", "source": "v.avi"}]}
            """, file: "plugins.json", baseDir: "/cfg", environment: [:])
        XCTAssertEqual(c.cameras.map(\.timestamps), [.media, .now])
        XCTAssertEqual(c.cameras[0].retention, RetentionRule(eventsDays: 365))
        XCTAssertEqual(c.retentionByType, ["motion": RetentionRule(eventsDays: 7, snapshotsDays: 2)])
        XCTAssertEqual(c.warnings, [])
        func error(_ text: String) -> String {
            do { _ = try HostConfig.parse(text, file: "plugins.json", baseDir: "/cfg", environment: [:]); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(error(#"{"cameras": [{"id": "a", "source": "v", "timestamps": "file"}]}"#),
                       #"plugins.json: cameras[0].timestamps: expected "now" (the time a frame is read) or "media" (start time + position in the file), found "file""#)
        XCTAssertEqual(error(#"{"cameras": [{"id": "a", "source": "v", "retention": {"events_days": -1}}]}"#),
                       "plugins.json: cameras[0].retention.events_days: expected a number from 0 to 365000, found -1")
        XCTAssertEqual(error(#"{"retention": {"event_types": {"motion": {"snapshots_days": "2"}}}}"#),
                       "plugins.json: retention.event_types.motion.snapshots_days: expected a number, found a string")
    }
}
