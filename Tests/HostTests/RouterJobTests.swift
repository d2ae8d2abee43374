import Foundation
import PluginAPI
@testable import VigilRouter
import XCTest

/// The router's side of work-queue jobs (`QueueJob`): a job's events saved with its claim in one
/// transaction, a job run twice saved once, a job's events never split across batches, and no
/// spooling of job events while PostgreSQL is down (the job goes back to its queue instead).
final class RouterJobTests: XCTestCase {
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [QueueJob.Outcome] = []
        func add(_ o: QueueJob.Outcome) { lock.lock(); list.append(o); lock.unlock() }
        var all: [QueueJob.Outcome] { lock.lock(); defer { lock.unlock() }; return list }
    }

    func testAJobRunTwiceIsSavedOnce() throws {
        let f = try RouterFixture()
        let camera = "job-\(UUID().uuidString.prefix(6))", queue = "q-\(camera)"
        f.router.start()
        defer { f.router.shutdown() }
        let outcomes = Outcomes()
        func submit(_ payload: String, frames: Range<Int>) {
            f.router.submit(frames.map { f.event(camera, $0) }, job: QueueJob(queue: queue, payload: payload) { outcomes.add($0) })
        }
        submit("{\"job\": 1}", frames: 0..<3)
        RouterFixture.wait("first run saved") { outcomes.all == [.saved(3)] }
        submit("{\"job\": 1}", frames: 10..<13)      // the same job again (requeued after a crash)
        submit("{\"job\": 2}", frames: 20..<22)
        RouterFixture.wait("second run answered") { outcomes.all.count == 3 }
        XCTAssertEqual(outcomes.all, [.saved(3), .alreadySaved, .saved(2)])
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [0, 1, 2, 20, 21], "the rerun saved nothing")
        let claims = try f.db().query("SELECT events FROM vigil_queue_jobs WHERE queue = $1 ORDER BY saved_at", [queue])
        XCTAssertEqual((0..<claims.count).map { claims[$0, 0] }, ["3", "2"])
        f.router.submit([f.event(camera, 30, type: String(repeating: "x", count: 51))],
                        job: QueueJob(queue: queue, payload: "{\"job\": 3}") { outcomes.add($0) })
        XCTAssertEqual(outcomes.all.last, .rejected("every event of the job was refused"))
    }

    func testAJobsEventsAreNeverSplitAcrossBatches() {
        let queue = BlockingQueue<(Int, String?)>(capacity: 100)
        queue.push((0, nil)); queue.push((1, nil))
        queue.push(contentsOf: (2..<6).map { ($0, "job") })
        queue.push((6, nil))
        let together: ((Int, String?), (Int, String?)) -> Bool = { $0.1 != nil && $0.1 == $1.1 }
        XCTAssertEqual(queue.popBatch(max: 3, together: together)?.map(\.0), [0, 1, 2, 3, 4, 5], "grown past 3 to end the job")
        XCTAssertEqual(queue.popBatch(max: 3, together: together)?.map(\.0), [6])
    }

    func testPostgresDownJobEventsAreNotSpooledAndTheJobIsHandedBack() throws {
        let dir = try XCTUnwrap(ProcessInfo.processInfo.environment["VIGIL_SERVICES_DIR"], "run with scripts/test.sh")
        func services(_ action: String) throws {
            let r = try TestSupport.run("/bin/bash", ["\(TestSupport.root)/scripts/services.sh", action, dir])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let f = try RouterFixture()
        let camera = "jobpg-\(UUID().uuidString.prefix(6))"
        f.router.start()
        defer { f.router.shutdown() }
        f.router.submit(f.event(camera, 0))
        try RouterFixture.wait("router ready") { try f.rows(cameraPrefix: camera).count == 1 }
        try services("stop-pg")
        var restarted = false
        defer { if !restarted { try? services("start-pg") } }
        let outcomes = Outcomes()
        f.router.submit(f.event(camera, 1))   // a camera event: spooled as before
        f.router.submit([f.event(camera, 2)], job: QueueJob(queue: "q", payload: "{\"pg\": \"down\"}") { outcomes.add($0) })
        RouterFixture.wait("the job answered") { !outcomes.all.isEmpty }
        guard case .notSaved = outcomes.all[0] else { return XCTFail("\(outcomes.all)") }
        try services("start-pg")
        restarted = true
        try RouterFixture.wait("the spooled camera event saved") { try f.rows(cameraPrefix: camera).map(\.frame) == [0, 1] }
        XCTAssertEqual(outcomes.all.count, 1)
    }
}
