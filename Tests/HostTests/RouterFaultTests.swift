import Foundation
import PluginAPI
import VigilPostgres
import VigilRedis
@testable import VigilRouter
import XCTest

/// Loss, duplicate and hang paths of the router, each produced from outside: a server stopped
/// mid-work, a connection cut after COMMIT, a database whose packets vanish, Redis refusing PUBLISH,
/// a full disk under rejected.jsonl.
final class RouterFaultTests: XCTestCase {
    func testLosingTheConnectionWhileSavingOneByOneSpoolsTheRest() throws {
        let f = try RouterFixture()
        let camera = "obo-\(UUID().uuidString.prefix(6))"
        // Event 0 is refused by PostgreSQL (NUL in jsonb), so the batch of 5,000 is saved one by one.
        for i in 0..<5000 { f.router.submit(f.event(camera, i, data: i == 0 ? ["note": "a\u{0}b"] : ["n": .int(i)])) }
        f.router.start()
        RouterFixture.wait("one-by-one saving under way") { ((try? f.rows(cameraPrefix: camera).count) ?? 0) >= 100 }
        try Faults.services("stop-pg")
        Thread.sleep(forTimeInterval: 1)
        try Faults.services("start-pg")
        RouterFixture.wait("the rest saved after PostgreSQL returned", timeout: 60) { (try? f.rows(cameraPrefix: camera).count) == 4999 }
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), Array(1..<5000), "each event once, in order")
        XCTAssertEqual(f.router.stats[.rejected], 1, "only the event PostgreSQL refused")
        let rejected = (try? String(contentsOfFile: "\(f.spool)/rejected.jsonl", encoding: .utf8)) ?? ""
        XCTAssertEqual(rejected.split(separator: "\n").count, 1, "a lost connection is not a refusal")
    }

    func testARejectedEventThatCannotBeWrittenIsNotClaimedKept() throws {
        let disk = try SmallDisk(size: "256k")
        defer { disk.unmount() }
        let logs = TestLogs()
        let f = try RouterFixture(spool: disk.path, logger: logs.logger)
        let camera = "rjfull-\(UUID().uuidString.prefix(6))"
        disk.fill()
        for i in 0..<3 { f.router.submit(f.event(camera, i, data: i == 1 ? ["note": "a\u{0}b"] : ["n": .int(i)])) }
        f.router.start()
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [0, 2])
        XCTAssertFalse(logs.lines.contains { $0.contains("kept in rejected.jsonl") }, "nothing was kept:\n\(logs.lines.joined(separator: "\n"))")
        XCTAssertTrue(logs.lines.contains { $0.hasPrefix("critical Event refused by PostgreSQL and not kept") && $0.contains("camera.id=\(camera)") },
                      logs.lines.joined(separator: "\n"))
    }

    func testAnAmbiguousCommitIsNotSavedTwice() throws { try ambiguousCommit(after: 199) }

    /// The cut batch is the last thing saved: nothing newer wakes the publisher, yet the rows the
    /// writer could not hand over are published (the writer's catch-up request wakes it).
    func testTheLastBatchOfAnAmbiguousCommitIsPublishedWithoutWaitingForMore() throws { try ambiguousCommit(after: 1) }

    /// One event saved and published, then `more` events whose first statement reaches PostgreSQL (and
    /// commits) but whose answer never comes back: every event is saved once and published once.
    func ambiguousCommit(after more: Int) throws {
        let services = try TestSupport.services()
        let proxy = try TCPProxy(upstreamPort: try Faults.postgresPort())
        defer { proxy.close() }
        let f = try RouterFixture(routerDatabaseURL: TCPProxy.url(services.database, port: proxy.port))
        let sub = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { sub.stop() }
        let camera = "ambig-\(UUID().uuidString.prefix(6))"
        let total = more + 1
        f.router.start()
        f.router.submit(f.event(camera, 0))
        RouterFixture.wait("first event published") { sub.payloads().count == 1 }
        Thread.sleep(forTimeInterval: 0.5)   // the publisher's outbox update is done
        // The next statement reaches PostgreSQL (and commits) but its answer never comes back.
        proxy.mode = .cutAfterNextRequest
        for i in 1..<total { f.router.submit(f.event(camera, i)) }
        RouterFixture.wait("all saved", timeout: 30) { ((try? f.rows(cameraPrefix: camera).count) ?? 0) >= total }
        RouterFixture.wait("all published", timeout: 30) { sub.payloads().count >= total }
        Thread.sleep(forTimeInterval: 1)
        f.router.shutdown()
        XCTAssertEqual(proxy.cuts, 1)
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), Array(0..<total), "the cut batch is saved once")
        let frames = try sub.payloads().map { try JSONValue(parsing: $0)["frame_number"]!.intValue! }
        XCTAssertEqual(frames.sorted(), Array(0..<total), "and published once")
    }

    func testABlackHoledDatabaseDoesNotStallTheCameras() throws {
        let services = try TestSupport.services()
        let proxy = try TCPProxy(upstreamPort: try Faults.postgresPort())
        defer { proxy.close() }
        let f = try RouterFixture(routerDatabaseURL: TCPProxy.url(services.database, port: proxy.port), queueCapacity: 10_000)
        let camera = "hole-\(UUID().uuidString.prefix(6))"
        f.router.start()
        for i in 0..<10 { f.router.submit(f.event(camera, i)) }
        RouterFixture.wait("first events saved") { (try? f.rows(cameraPrefix: camera).count) == 10 }
        proxy.mode = .blackHole
        // A camera at 1,000 events/s for 20 s: twice what the queue holds.
        let slowest = LockedMax()
        let producer = Background {
            let start = Date()
            for i in 10..<20_010 {
                let due = start.addingTimeInterval(Double(i - 10) / 1000)
                if due > Date() { Thread.sleep(until: due) }
                let t = Date()
                f.router.submit(f.event(camera, i))
                slowest.record(Date().timeIntervalSince(t))
            }
        }
        let finished = producer.wait(40)
        XCTAssertTrue(finished, "the camera was stalled by the database")
        XCTAssertLessThan(slowest.value, 1.0, "no submit may wait on the database")
        XCTAssertGreaterThan(f.router.stats[.spooled], 0, "events spool, as when PostgreSQL is down")
        proxy.mode = .forward
        RouterFixture.wait("everything saved once the network is back", timeout: 60) { (try? f.rows(cameraPrefix: camera).count) == 20_010 }
        if finished { f.router.shutdown() }
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), Array(0..<20_010))
    }

    func testARedisErrorReplyIsNotCountedAsPublished() throws {
        let f = try RouterFixture()
        let sub = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { sub.stop() }
        let camera = "noperm-\(UUID().uuidString.prefix(6))"
        f.router.start()
        for i in 0..<10 { f.router.submit(f.event(camera, i)) }
        RouterFixture.wait("first 10 published") { sub.payloads().count == 10 }
        XCTAssertEqual(try Faults.redisCLI(["ACL", "SETUSER", "default", "-publish"]), "OK")
        defer { _ = try? Faults.redisCLI(["ACL", "SETUSER", "default", "+publish"]) }
        for i in 10..<20 { f.router.submit(f.event(camera, i)) }
        RouterFixture.wait("saved") { (try? f.rows(cameraPrefix: camera).count) == 20 }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(f.router.stats[.published], 10, "a PUBLISH answered with an error is not published")
        let lastSaved = try f.rows(cameraPrefix: camera)
        let outbox = try f.db().query("SELECT last_id FROM vigil_outbox WHERE channel = $1", [f.channel])[0, 0].flatMap(Int64.init)
        XCTAssertEqual(outbox, lastSaved[9].id, "the outbox stays at the last event Redis accepted")
        XCTAssertEqual(try Faults.redisCLI(["ACL", "SETUSER", "default", "+publish"]), "OK")
        RouterFixture.wait("the refused events published once Redis accepts them", timeout: 10) { sub.payloads().count == 20 }
        f.router.shutdown()
        let frames = try sub.payloads().map { try JSONValue(parsing: $0)["frame_number"]!.intValue! }
        XCTAssertEqual(frames, Array(0..<20))
    }
}

/// The largest value recorded, from any thread.
final class LockedMax: @unchecked Sendable {
    private let lock = NSLock()
    private var max = 0.0
    func record(_ v: Double) { lock.lock(); if v > max { max = v }; lock.unlock() }
    var value: Double { lock.lock(); defer { lock.unlock() }; return max }
}
