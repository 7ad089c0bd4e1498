@testable import Backup
import JSON
import Support
import Testing

struct RecentUsersTests {
    let started = UTCTime(iso8601: "2026-11-29T12:00:00Z")!
    var startSeconds: Double { Double(started.millisecondsSinceEpoch) / 1000 }

    func member(_ name: String, createdAt seconds: Double?) -> JSON {
        var user: JSONObject = ["Username": .string(name)]
        if let seconds { user["UserCreateDate"] = .number(String(seconds)) }
        return .object(user)
    }

    @Test func aMemberCreatedLongBeforeTheBackupIsTakenToBeInTheUsersSection() {
        let recent = RecentUsers(backupStarted: started)
        #expect(!recent.lacks(member("old", createdAt: startSeconds - 3600)))
    }

    @Test func aMemberCreatedDuringTheBackupAndMissingFromTheUsersSectionIsFound() {
        var recent = RecentUsers(backupStarted: started)
        recent.insert("listed")
        #expect(!recent.lacks(member("listed", createdAt: startSeconds + 5)))
        #expect(recent.lacks(member("joined-meanwhile", createdAt: startSeconds + 5)))
        // Within the margin before the start: Cognito's clock, or a ListUsers index catching up.
        #expect(recent.lacks(member("just-before", createdAt: startSeconds - 60)))
        #expect(recent.lacks(member("no-date", createdAt: nil)))
    }

    @Test func namesAreComparedByTheirBytes() {
        var recent = RecentUsers(backupStarted: started)
        recent.insert("Jos\u{E9}")
        #expect(!recent.lacks(member("Jos\u{E9}", createdAt: startSeconds)))
        #expect(recent.lacks(member("Jose\u{301}", createdAt: startSeconds)))
    }
}
