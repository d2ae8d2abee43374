@testable import VigilConfig
@testable import VigilRetention
import XCTest

/// Which rule keeps what: the camera's own, then the event type's, then the environment's.
final class RetentionPolicyTests: XCTestCase {
    let policy = RetentionPolicy(
        defaults: RetentionSettings(eventsDays: 30, snapshotsDays: 10),
        cameras: ["gate": RetentionRule(eventsDays: 365, snapshotsDays: 90), "lobby": RetentionRule(snapshotsDays: 0),
                  "yard": RetentionRule(eventsDays: 0)],
        eventTypes: ["motion": RetentionRule(eventsDays: 7, snapshotsDays: 2), "anpr": RetentionRule(snapshotsDays: 60)])

    func testTheMostSpecificRuleWins() {
        XCTAssertEqual(policy.eventsDays(camera: "gate", type: "motion"), 365, "the camera's own rule first")
        XCTAssertEqual(policy.snapshotsDays(camera: "gate", type: "motion"), 90)
        XCTAssertEqual(policy.eventsDays(camera: "other", type: "motion"), 7, "then the type's")
        XCTAssertEqual(policy.snapshotsDays(camera: "other", type: "motion"), 2)
        XCTAssertEqual(policy.eventsDays(camera: "other", type: "anpr"), 30, "a type rule without events_days: the default")
        XCTAssertEqual(policy.snapshotsDays(camera: "other", type: "anpr"), 60)
        XCTAssertEqual(policy.eventsDays(camera: "other", type: "tracking"), 30, "then the defaults")
        XCTAssertEqual(policy.snapshotsDays(camera: "other", type: "tracking"), 10)
        XCTAssertNil(policy.eventsDays(camera: "yard", type: "tracking"), "0: kept for ever")
        XCTAssertNil(policy.snapshotsDays(camera: "lobby", type: "tracking"), "0: kept for ever")
        XCTAssertEqual(policy.eventsDays(camera: "lobby", type: "motion"), 7, "a camera rule without events_days falls through")
    }

    func testSnapshotsGoWithTheirEventsAtTheLatest() {
        XCTAssertNil(policy.snapshotsOnlyDays(camera: "other", type: "anpr"), "60 days of snapshots, 30 of events: the events decide")
        XCTAssertEqual(policy.snapshotsOnlyDays(camera: "other", type: "tracking"), 10)
        XCTAssertEqual(policy.snapshotsOnlyDays(camera: "yard", type: "tracking"), 10, "events for ever, snapshots 10 days")
    }

    func testLongestSnapshotLife() {
        XCTAssertEqual(policy.longestSnapshotDays, 90, "gate's 90 days; lobby's snapshots live as long as its events (30)")
        var vault = policy
        vault.cameras["vault"] = RetentionRule(eventsDays: 0, snapshotsDays: 0)
        XCTAssertNil(vault.longestSnapshotDays, "one camera keeps everything for ever")
        XCTAssertNil(RetentionPolicy(defaults: RetentionSettings()).longestSnapshotDays)
        XCTAssertEqual(RetentionPolicy(defaults: RetentionSettings(eventsDays: 5, snapshotsDays: 20)).longestSnapshotDays, 5,
                       "a snapshot does not outlive its event")
        XCTAssertFalse(RetentionPolicy(defaults: RetentionSettings()).deletesAnything)
        XCTAssertTrue(RetentionPolicy(defaults: RetentionSettings(), eventTypes: ["m": RetentionRule(eventsDays: 1)]).deletesAnything)
    }
}
