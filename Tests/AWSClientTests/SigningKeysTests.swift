@testable import Signing
import Testing

struct SigningKeysTests {
    /// AWS's documented derivation example ("Examples of how to derive a signing key").
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let documentedKey = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"

    @Test func theKeyIsAWSsDocumentedDerivationWhetherDerivedOrKept() {
        let keys = SigningKeys()
        #expect(keys.key(secret: Self.secret, day: "20120215", region: "us-east-1", service: "iam").hexString == Self.documentedKey)
        #expect(keys.key(secret: Self.secret, day: "20120215", region: "us-east-1", service: "iam").hexString == Self.documentedKey)
    }

    @Test func aKeptKeyServesOnlyItsOwnSecretDayRegionAndService() {
        let keys = SigningKeys()
        _ = keys.key(secret: Self.secret, day: "20120215", region: "us-east-1", service: "iam")
        let others = [
            keys.key(secret: Self.secret + "2", day: "20120215", region: "us-east-1", service: "iam"),
            keys.key(secret: Self.secret, day: "20120216", region: "us-east-1", service: "iam"),
            keys.key(secret: Self.secret, day: "20120215", region: "eu-west-1", service: "iam"),
            keys.key(secret: Self.secret, day: "20120215", region: "us-east-1", service: "s3"),
        ].map(\.hexString)
        #expect(Set(others + [Self.documentedKey]).count == 5)
    }
}
