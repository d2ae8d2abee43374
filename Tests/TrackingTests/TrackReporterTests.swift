import PluginAPI
import XCTest
@testable import TrackingCore

/// Which changes become events: entered once, updated only when meaningful, left once.
final class TrackReporterTests: XCTestCase {
    let yard = Zone(name: "yard", polygon: [Point(x: 0.5, y: 0), Point(x: 1, y: 0), Point(x: 1, y: 1), Point(x: 0.5, y: 1)])

    func actions(_ reports: [TrackReport]) -> [String] {
        reports.map {
            switch $0 {
            case .entered(_, let z): return "entered\(z)"
            case .updated(_, let z): return "updated\(z)"
            case .left(_, let z): return "left\(z)"
            case .crossing(let c): return "crossing \(c.direction)"
            }
        }
    }

    /// Feeds a track along `xs` (one frame each at 10 fps), returns the reports.
    func feed(_ xs: [Double], settings: TrackReporter.Settings = .init()) -> [String] {
        let tracker = Tracker(settings: TrackerSettings(minHits: 1))
        let reporter = TrackReporter(settings: settings, zones: [yard],
                                     lines: LineCounter(lines: [], margin: 0.02, stateDirectory: nil, logger: nil))
        var out: [String] = []
        for (f, x) in xs.enumerated() {
            let step = tracker.update([Detection(box: Box(x: x, y: 0.4, width: 0.05, height: 0.2), confidence: 0.9, className: "person")],
                                      searched: nil, time: Double(f) / 10, frame: f, probe: nil)
            out += actions(reporter.reports(for: step, time: Double(f) / 10))
        }
        return out + actions(reporter.ended(tracker.finish()))
    }

    func testSmallMovesAreNotUpdatesButAZoneChangeIs() {
        // 0.40 → 0.50 in small steps: 0.1 travelled (under update_distance), but the anchor enters the yard.
        let xs = stride(from: 0.40, through: 0.50, by: 0.005).map { $0 }
        XCTAssertEqual(feed(xs), ["entered[]", "updated[\"yard\"]", "left[\"yard\"]"])
    }

    func testMovingFarGivesAnUpdatePerUpdateDistance() {
        let xs = stride(from: 0.0, through: 0.45, by: 0.01).map { $0 }
        let updates = feed(xs, settings: .init(updateDistance: 0.1, updateIntervalSeconds: 0)).filter { $0.hasPrefix("updated") }
        XCTAssertEqual(updates.count, 4, "0.45 travelled, one update per 0.1")
    }

    func testJitterOnAZoneEdgeIsNoChange() {
        // The anchor (bottom centre) hops across x = 0.5 every frame.
        let xs = (0..<40).map { $0 % 2 == 0 ? 0.47 : 0.48 }
        XCTAssertEqual(feed(xs, settings: .init(updateIntervalSeconds: 0)), ["entered[]", "left[]"])
    }

    func testAStillTrackIsUpdatedEveryInterval() {
        let xs = [Double](repeating: 0.2, count: 101)   // 10 s
        let updates = feed(xs, settings: .init(updateIntervalSeconds: 3)).filter { $0.hasPrefix("updated") }
        XCTAssertEqual(updates.count, 3)
    }
}
