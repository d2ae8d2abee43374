import XCTest
@testable import VigilConfig
@testable import VigilPlugins
@testable import VigilPipeline
import Logging
import PluginAPI

/// A camera's detector chain (PluginAPI 1.1) with the real libMotion.so and the Probe fixture
/// (Tests/Fixtures/BadPlugins), on real decoded video.
final class DetectorChainTests: XCTestCase {
    /// Collects what the chain and the emitters deliver, from any thread.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Event] = []
        func add(_ events: [Event]) { lock.lock(); items += events; lock.unlock() }
        var events: [Event] { lock.lock(); defer { lock.unlock() }; return items }
    }

    static let probeDir: String = { try! TestSupport.buildPackage(at: "\(TestSupport.root)/Tests/Fixtures/BadPlugins", name: "BadPlugins") }()
    let logger = TestLogs().logger

    func link(_ library: String, name: String, logger: Logger? = nil, config: JSONValue = [:], maxProcessMS: Double? = nil,
              deliver: @escaping @Sendable ([Event]) -> Void) throws -> DetectorChain.Link {
        let lib = try PluginLibrary.load(path: library, expecting: .detector)
        let gate = EmitterGate(name: name, logger: logger ?? self.logger)
        var context = PluginContext(name: name, cameraID: "c", config: config, configPath: "detectors[0].config",
                                    logger: PluginLogger { _, _, _ in })
        context.emitter = gate.emitter(deliver)
        return DetectorChain.Link(name: name, detector: try lib.descriptor.makeDetector(context), maxProcessMS: maxProcessMS, gate: gate)
    }

    func motion(_ deliver: @escaping @Sendable ([Event]) -> Void) throws -> DetectorChain.Link {
        try link("\(TestSupport.buildDir)/libMotion.so", name: "motion", config: ["snapshot": false], deliver: deliver)
    }

    func probe(_ deliver: @escaping @Sendable ([Event]) -> Void, _ config: JSONValue = [:], maxProcessMS: Double? = nil) throws -> DetectorChain.Link {
        try link("\(Self.probeDir)/libProbe.so", name: "probe", config: config, maxProcessMS: maxProcessMS, deliver: deliver)
    }

    /// Runs every frame of `video` through `chain`, then finishes it; returns the frame count.
    @discardableResult
    func run(_ chain: DetectorChain, _ video: String) throws -> Int {
        let source = try VisionSource(video)
        var n = 0
        while let image = try source.read() {
            chain.process(Frame(cameraID: "c", number: n, timestamp: Timestamp(secondsSince1970: 1_700_000_000 + Double(n) / 10),
                                image: image, annotations: FrameAnnotations()))
            n += 1
        }
        chain.finish()
        return n
    }

    func probeEvents(_ c: Collector, _ type: String = "probe") -> [Event] { c.events.filter { $0.type == type } }

    func testMotionRegionsReachTheNextDetectorAndStillFramesAreSkipped() throws {
        let out = Collector()
        let chain = DetectorChain(links: [try motion(out.add), try probe(out.add)], cameraID: "c", logger: logger, emit: out.add)
        let frames = try run(chain, try VideoFixtures.movingSquare(frames: 80, startAt: 40))
        let probed = probeEvents(out)
        let stats = chain.stats[1].counters
        XCTAssertEqual(stats.calls + stats.skipped, frames)
        XCTAssertGreaterThanOrEqual(probed.count, 20, "the square moves for 40 frames")
        XCTAssertGreaterThanOrEqual(stats.skipped, 38, "the 40 still frames (and calibration) are skipped")
        for e in probed {
            XCTAssertGreaterThanOrEqual(e.frameNumber, 40, "only frames with motion reach the probe")
            XCTAssertGreaterThan(e.data["regions"]?.intValue ?? 0, 0, "the probe sees Motion's regions")
        }
        XCTAssertEqual(chain.stats[0].counters.calls, frames, "Motion itself sees every frame")
    }

    func testHeartbeatGivesStillFramesAtItsPace() throws {
        let out = Collector()
        let chain = DetectorChain(links: [try motion(out.add), try probe(out.add, ["heartbeat_seconds": 1])],
                                  cameraID: "c", logger: logger, emit: out.add)
        let frames = try run(chain, try VideoFixtures.staticScene(frames: 100))
        XCTAssertEqual(frames, 100)
        XCTAssertEqual(chain.stats[1].counters.calls, 10, "100 still frames at 10 fps, one per second")
    }

    func testWithoutAMotionDetectorBeforeItAMotionOnlyDetectorGetsEveryFrame() throws {
        let out = Collector()
        let chain = DetectorChain(links: [try probe(out.add)], cameraID: "c", logger: logger, emit: out.add)
        let frames = try run(chain, try VideoFixtures.staticScene(frames: 30))
        XCTAssertEqual(chain.stats[0].counters.calls, frames)
        XCTAssertTrue(probeEvents(out).allSatisfy { $0.data["regions"]?.intValue == -1 }, "no motion annotation")
    }

    func testAnAnnotationOfTheWrongTypeIsAnErrorAndTheChainGoesOn() throws {
        let out = Collector()
        let chain = DetectorChain(links: [try probe(out.add, ["motion_only": false, "bad_annotation": true])],
                                  cameraID: "c", logger: logger, emit: out.add)
        let frames = try run(chain, try VideoFixtures.staticScene(frames: 20))
        XCTAssertEqual(chain.stats[0].counters.errors, frames / 2, "every even frame fails")
        XCTAssertEqual(probeEvents(out).map(\.frameNumber), Array(stride(from: 1, to: frames, by: 2)), "odd frames still give events")
    }

    func testACallOverItsDeadlineIsCounted() throws {
        let out = Collector()
        let chain = DetectorChain(links: [try probe(out.add, ["motion_only": false, "sleep_ms": 30], maxProcessMS: 10)],
                                  cameraID: "c", logger: logger, emit: out.add)
        let frames = try run(chain, try VideoFixtures.staticScene(frames: 10))
        XCTAssertEqual(chain.stats[0].counters.overruns, frames)
        XCTAssertEqual(probeEvents(out).count, frames, "an overrun call's events still go through")
    }

    func testEmitterWorksFromAThreadAndRefusesAfterFinish() throws {
        let out = Collector(), logs = TestLogs()
        let link = try self.link("\(Self.probeDir)/libProbe.so", name: "probe", logger: logs.logger,
                                 config: ["motion_only": false, "emit_from_thread": true, "emit_after_finish": true], deliver: out.add)
        let chain = DetectorChain(links: [link], cameraID: "c", logger: logger, emit: out.add)
        let frames = try run(chain, try VideoFixtures.staticScene(frames: 12))
        XCTAssertEqual(Set(probeEvents(out, "probe-async").map(\.frameNumber)), Set(0..<frames))
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertEqual(probeEvents(out, "probe-late").count, 0, "emitting after finish() is refused")
        XCTAssertEqual(logs.lines.filter { $0.hasPrefix("error Events emitted after the detector finished were refused") }.count, 1,
                       "\(logs.lines)")
    }
}
