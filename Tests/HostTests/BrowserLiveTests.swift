import Foundation
import XCTest

/// Issue 14: the live page in a real browser — Tests/Browser/live_page_test.py (Debian's Chromium
/// and Selenium) against a `vigil run` on sample video; counted here so scripts/test.sh and CI
/// count it and fail on it. Skipped only when the browser is missing and VIGIL_REQUIRE_BROWSER is unset.
final class BrowserLiveTests: XCTestCase {
    func testLivePageInChromium() throws {
        let have = try FileManager.default.fileExists(atPath: "/usr/bin/chromium")
            && FileManager.default.fileExists(atPath: "/usr/bin/chromedriver")
            && (try TestSupport.run("/usr/bin/python3", ["-c", "import selenium, redis"])).status == 0
        try XCTSkipIf(!have && ProcessInfo.processInfo.environment["VIGIL_REQUIRE_BROWSER"] == nil,
                      "chromium, chromium-driver, python3-selenium, python3-redis not installed (scripts/deps.sh installs them)")
        let video = "\(TestSupport.data)/video/vtest.avi"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: video), "shared test data not present")
        var env = ProcessInfo.processInfo.environment
        env["VIGIL"] = TestSupport.vigil
        env["VIGIL_SAMPLE_VIDEO"] = video
        let out = try TestSupport.run("/usr/bin/python3", ["\(TestSupport.root)/Tests/Browser/live_page_test.py"],
                                      environment: env, directory: TestSupport.root)
        print(out.stdout)
        XCTAssertEqual(out.status, 0, out.stdout + out.stderr)
    }
}
