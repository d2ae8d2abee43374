import Foundation
import PluginAPI
import XCTest
@testable import TrackingCore

final class LineCounterTests: XCTestCase {
    /// A vertical line down the middle; "in" is its right side (looking from the top end down, right is the picture's left).
    let gate = CountingLine(name: "gate", from: Point(x: 0.5, y: 0.1), to: Point(x: 0.5, y: 0.9), inSide: .right)

    func walk(_ counter: LineCounter, key: Int, xs: [Double], y: Double = 0.5) -> [LineCrossing] {
        xs.flatMap { counter.observe(key: key, trackID: key, className: "person", box: Box(x: $0 - 0.02, y: y - 0.1, width: 0.04, height: 0.1),
                                     point: Point(x: $0, y: y)) }
    }

    func testCrossingsAreCountedPerDirectionAndClass() {
        let counter = LineCounter(lines: [gate], margin: 0.02, stateDirectory: nil, logger: nil)
        XCTAssertEqual(gate.side(of: Point(x: 0.4, y: 0.5)), .right, "x < 0.5 is the in side of this line")
        let a = walk(counter, key: 1, xs: stride(from: 0.9, through: 0.1, by: -0.05).map { $0 })   // towards the in side
        XCTAssertEqual(a.map(\.direction), ["in"])
        let b = walk(counter, key: 2, xs: stride(from: 0.1, through: 0.9, by: -(-0.05)).map { $0 })
        XCTAssertEqual(b.map(\.direction), ["out"])
        XCTAssertEqual(b.first?.counts["person"]?.in, 1)
        XCTAssertEqual(b.first?.counts["person"]?.out, 1)
        let car = counter.observe(key: 3, trackID: 3, className: "car", box: Box(x: 0.7, y: 0.4, width: 0.1, height: 0.1), point: Point(x: 0.75, y: 0.5))
            + counter.observe(key: 3, trackID: 3, className: "car", box: Box(x: 0.2, y: 0.4, width: 0.1, height: 0.1), point: Point(x: 0.25, y: 0.5))
        XCTAssertEqual(car.first?.counts["car"]?.in, 1)
        XCTAssertEqual(car.first?.counts["person"]?.in, 1, "counts of every class on the line")
    }

    func testJitteringOnTheLineCountsOnce() {
        let counter = LineCounter(lines: [gate], margin: 0.02, stateDirectory: nil, logger: nil)
        // Walks up to the line, dithers across it by ±0.015 for a while, then goes on.
        var xs = stride(from: 0.8, through: 0.52, by: -0.02).map { $0 }
        for i in 0..<30 { xs.append(0.5 + (i % 2 == 0 ? 0.015 : -0.015)) }
        xs += stride(from: 0.46, through: 0.2, by: -0.02).map { $0 }
        XCTAssertEqual(walk(counter, key: 1, xs: xs).map(\.direction), ["in"])
    }

    func testPassingBeyondTheEndOfTheLineIsNoCrossing() {
        let counter = LineCounter(lines: [gate], margin: 0.02, stateDirectory: nil, logger: nil)
        XCTAssertTrue(walk(counter, key: 1, xs: [0.8, 0.6, 0.4, 0.2], y: 0.95).isEmpty, "below the line's lower end")
    }

    func testCountsSurviveARestartInTheStateFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let first = LineCounter(lines: [gate], margin: 0.02, stateDirectory: dir, logger: nil)
        _ = walk(first, key: 1, xs: [0.8, 0.2])
        let second = LineCounter(lines: [gate], margin: 0.02, stateDirectory: dir, logger: nil)
        let crossing = walk(second, key: 7, xs: [0.8, 0.2])
        XCTAssertEqual(crossing.first?.counts["person"]?.in, 2)
    }
}
