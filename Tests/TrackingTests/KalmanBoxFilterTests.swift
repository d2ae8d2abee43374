import PluginAPI
import XCTest
@testable import TrackingCore

final class KalmanBoxFilterTests: XCTestCase {
    func testLearnsAConstantVelocityAndPredictsAhead() {
        var filter = KalmanBoxFilter(Box(x: 0.1, y: 0.4, width: 0.1, height: 0.2))
        for i in 1...20 {
            filter.predict(steps: 1)
            filter.update(Box(x: 0.1 + 0.01 * Double(i), y: 0.4, width: 0.1, height: 0.2))
        }
        filter.predict(steps: 5)
        let predicted = filter.box
        XCTAssertEqual(predicted.x, 0.1 + 0.01 * 25, accuracy: 0.01)
        XCTAssertEqual(predicted.y, 0.4, accuracy: 0.005)
        XCTAssertEqual(predicted.width, 0.1, accuracy: 0.005)
        XCTAssertEqual(predicted.height, 0.2, accuracy: 0.005)
    }

    func testStopForgetsTheVelocity() {
        var filter = KalmanBoxFilter(Box(x: 0.1, y: 0.4, width: 0.1, height: 0.2))
        for i in 1...10 {
            filter.predict(steps: 1)
            filter.update(Box(x: 0.1 + 0.02 * Double(i), y: 0.4, width: 0.1, height: 0.2))
        }
        filter.stop()
        let before = filter.box
        filter.predict(steps: 10)
        XCTAssertEqual(filter.box.x, before.x, accuracy: 1e-9)
    }

    func testNoisyMeasurementsAreSmoothed() {
        var filter = KalmanBoxFilter(Box(x: 0.5, y: 0.5, width: 0.1, height: 0.1))
        var worst = 0.0
        for i in 0..<50 {
            filter.predict(steps: 1)
            let noise = i % 2 == 0 ? 0.01 : -0.01
            filter.update(Box(x: 0.5 + noise, y: 0.5, width: 0.1, height: 0.1))
            if i > 10 { worst = max(worst, abs(filter.box.x - 0.5)) }
        }
        XCTAssertLessThan(worst, 0.01, "the estimate must move less than the measurements")
    }
}
