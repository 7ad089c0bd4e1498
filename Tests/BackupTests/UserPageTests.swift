@testable import Backup
import JSON
import Testing

struct UserPageTests {
    @Test func onlyUsersCreatedSinceTheCutoffOrAtAnUnknownTimeAreNamed() throws {
        let page = UserPage(try RawJSONObject(validating: Array(#"""
            {"Users":[{"Username":"old","UserCreateDate":1.7e9},{"UserCreateDate":1800000000.5,"Username":"new"},
            {"Username":"undated"},{"Username":"jos\u00e9","UserCreateDate":1800000000},{"UserCreateDate":1800000001}]}
            """#.utf8)))
        #expect(page.usernames(createdSince: 1_800_000_000) == ["new", "undated", "josé", ""])
    }
}
