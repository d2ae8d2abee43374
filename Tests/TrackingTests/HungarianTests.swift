import XCTest
@testable import TrackingCore

final class HungarianTests: XCTestCase {
    func testFindsTheCheapestAssignmentNotTheGreedyOne() {
        // Greedy would take (0,0)=1 and then pay 10 for row 1; the optimum pays 2 + 2.
        let cost: [[Double]] = [[1, 2], [2, 10]]
        let pairs = Hungarian.assign(cost, maxCost: 100)
        XCTAssertEqual(pairs.map(\.row), [0, 1])
        XCTAssertEqual(pairs.map(\.column), [1, 0])
    }

    func testThreeByThreeKnownOptimum() {
        let cost: [[Double]] = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
        let pairs = Hungarian.assign(cost, maxCost: 100)
        XCTAssertEqual(pairs.reduce(0) { $0 + cost[$1.row][$1.column] }, 5)   // 1 + 2 + 2
        XCTAssertEqual(Set(pairs.map(\.column)).count, 3)
    }

    func testRectangularBothWays() {
        let wide: [[Double]] = [[5, 1, 9, 9]]
        XCTAssertEqual(Hungarian.assign(wide, maxCost: 10).map(\.column), [1])
        let tall: [[Double]] = [[5], [1], [9]]
        let pairs = Hungarian.assign(tall, maxCost: 10)
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual(pairs[0].row, 1)
        XCTAssertEqual(pairs[0].column, 0)
    }

    func testPairsAboveTheLimitOrInfiniteAreNeverMatched() {
        let cost: [[Double]] = [[0.5, .infinity], [.infinity, 3]]
        let pairs = Hungarian.assign(cost, maxCost: 1)
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual(pairs[0].row, 0)
        XCTAssertEqual(pairs[0].column, 0)
        XCTAssertTrue(Hungarian.assign([[Double]](), maxCost: 1).isEmpty)
    }

    func testAForbiddenPairDoesNotPushAnAllowedPairOut() {
        // Row 0 can only take column 0; row 1 prefers column 0 but can take column 1.
        let cost: [[Double]] = [[0.9, .infinity], [0.1, 0.8]]
        let pairs = Hungarian.assign(cost, maxCost: 1)
        XCTAssertEqual(pairs.count, 2)
        XCTAssertEqual(pairs.first { $0.row == 0 }?.column, 0)
        XCTAssertEqual(pairs.first { $0.row == 1 }?.column, 1)
    }
}
