import BackupTestSupport
import JSON
@testable import Backup
@testable import Restore
import Testing

struct BackupReadingTests {
    @Test func readsTheCurrentFormatWithEveryComponent() throws {
        let backup = try BackupContents(reading: Recorded.backup())
        #expect(backup.formatVersion == 2)
        #expect(backup.sourcePoolID == "eu-west-1_Rec0rded1")
        let users = try backup.users.all()
        #expect(users.map(\.username) == ["alice", "bob"])
        #expect(users[1].enabled == false)
        #expect(users[0].sub == "a-1")
        #expect(backup.memberships.groups == ["admins", "staff"])
        #expect(backup.domain?["Domain"]?.string == "customers-auth")
        #expect(backup.customDomain == nil)
        #expect(backup.mfaConfig?["MfaConfiguration"]?.string == "OPTIONAL")
        #expect(backup.customAttributes.compactMap { $0["Name"]?.string } == ["custom:tenant", "dev:custom:score"])
    }

    @Test func readsBrandingByClientAndTermsLeavingOutClientsWithoutAStyle() throws {
        let backup = try BackupContents(reading: Recorded.backup(extra: [
            ("managed_login_branding", ["5r2ktv9ha0example1": Recorded.branding, "9z8y7x6w5v4u3t2s1r0q": nil]),
            ("terms", [Recorded.terms("terms-of-use")]),
        ]))
        #expect(backup.managedLoginBranding.map(\.clientID) == ["5r2ktv9ha0example1"])
        #expect(backup.managedLoginBranding.first?.value == Recorded.branding)
        #expect(backup.terms == [Recorded.terms("terms-of-use")])
    }

    @Test func termsThatAreNotAListAreRefused() throws {
        let error = #expect(throws: BackupReadError.self) { try BackupContents(reading: Recorded.backup(extra: [("terms", ["TermsName": "terms-of-use"])])) }
        #expect(error?.description.contains("\"terms\" is not an array") == true)
    }

    @Test func readsTheOriginalPythonFormatWithStringDates() throws {
        let text = """
            {"timestamp": "2024-01-15T10:30:00.123000", "user_pool_id": "us-east-1_Old", "user_pool_config": {"Id": "us-east-1_Old",
             "Name": "old", "CreationDate": "2023-02-01 09:00:00.000000+00:00"},
             "app_clients": [], "users": [{"Username": "carol", "Attributes": [{"Name": "sub", "Value": "c-3"}],
             "UserCreateDate": "2024-01-15 10:30:00.123000+00:00", "Enabled": true, "UserStatus": "CONFIRMED"}],
             "groups": [{"GroupName": "g", "CreationDate": "2024-01-15 10:30:00.123000+00:00"}], "group_memberships": {"g": ["carol"]},
             "identity_providers": [], "resource_servers": [],
             "user_pool_domain": {"Domain": "old-auth", "Status": "ACTIVE"}, "ui_customization": {"CSS": ".x{}", "ClientId": "ALL"}}
            """
        let backup = try BackupContents(reading: Array(text.utf8))
        #expect(backup.formatVersion == 1)
        #expect(backup.domain?["Domain"]?.string == "old-auth")
        #expect(backup.uiCustomization.pool?["CSS"]?.string == ".x{}")
        #expect(backup.mfaConfig == nil)
        #expect(try backup.users.all().first?.username == "carol")
        #expect(try backup.memberships.all().first?.usernames == ["carol"])
    }

    @Test func truncatedFileIsRefusedAsTruncated() throws {
        let bytes = Recorded.backup()
        let error = #expect(throws: BackupReadError.self) { try BackupContents(reading: Array(bytes[..<(bytes.count * 3 / 4)])) }
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func corruptedUserIsRefusedWithItsByteOffset() throws {
        var bytes = Recorded.backup()
        let needle = Array(#""Username":"bob""#.utf8)
        let offset = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[offset + 10] = UInt8(ascii: ";")
        let error = #expect(throws: BackupReadError.self) { try BackupContents(reading: bytes) }
        #expect(error?.offset.map { abs($0 - offset) < 20 } == true)
    }

    @Test func newerFormatVersionIsRefused() throws {
        let error = #expect(throws: BackupReadError.self) { try BackupContents(reading: Recorded.backup(extra: [("format_version", 3)])) }
        #expect(error?.description.contains("format version 3") == true)
    }

    @Test func dataAfterTheObjectIsRefused() throws {
        #expect(throws: BackupReadError.self) { try BackupContents(reading: Recorded.backup() + Array("{}".utf8)) }
    }

    @Test func documentWithoutUsersIsNotABackup() throws {
        let error = #expect(throws: BackupReadError.self) { try BackupContents(reading: Array(#"{"user_pool_config": {}}"#.utf8)) }
        #expect(error?.description.contains("users") == true)
    }

    @Test func escapedQuotesAndBracketsInsideStringsDoNotEndAUser() throws {
        let tricky = Recorded.user("d\"a]v}e", sub: "d-4", extra: [("custom:note", "[{\\\"}] 日本")])
        let backup = try BackupContents(reading: Recorded.backup(users: [tricky], memberships: []))
        let users = try backup.users.all()
        #expect(users.map(\.username) == ["d\"a]v}e"])
        #expect(users[0].attribute("custom:note") == "[{\\\"}] 日本")
    }
}
