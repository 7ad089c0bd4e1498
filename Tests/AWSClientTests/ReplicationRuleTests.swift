@testable import AWSServices
import Testing

/// GetBucketReplication's answer, in the forms S3 writes a rule's filter.
struct ReplicationRuleTests {
    @Test func anEnabledRuleNamesItsDestinationBucketPrefixAndAccount() {
        let xml = """
            <ReplicationConfiguration><Role>arn:aws:iam::123456789012:role/r</Role><Rule><ID>to-dr</ID><Priority>1</Priority>\
            <Filter><Prefix>cognito-backup/</Prefix></Filter><Status>Enabled</Status>\
            <Destination><Bucket>arn:aws:s3:::dr-bucket</Bucket><Account>210987654321</Account>\
            <AccessControlTranslation><Owner>Destination</Owner></AccessControlTranslation></Destination>\
            <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>
            """
        #expect(S3.replicationRules(in: xml) == [.init(id: "to-dr", prefix: "cognito-backup/", destinationBucket: "dr-bucket",
                                                        destinationAccount: "210987654321")])
    }

    @Test func aDisabledRuleIsNoReplicationWhereverItsNestedStatusesSay() {
        let xml = """
            <ReplicationConfiguration><Rule><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>\
            <Status>Disabled</Status><Filter><And><Prefix>a/</Prefix></And></Filter>\
            <Destination><Bucket>arn:aws:s3:::dr</Bucket><Metrics><Status>Enabled</Status></Metrics></Destination></Rule></ReplicationConfiguration>
            """
        #expect(S3.replicationRules(in: xml).isEmpty)
    }

    @Test func theOlderRuleLevelPrefixAndAnAbsentOneAreRead() {
        let xml = """
            <ReplicationConfiguration><Rule><ID>v1</ID><Prefix>old/</Prefix><Status>Enabled</Status>\
            <Destination><Bucket>arn:aws:s3:::one</Bucket></Destination></Rule>\
            <Rule><ID>all</ID><Status>Enabled</Status><Filter></Filter><Destination><Bucket>arn:aws:s3:::two</Bucket></Destination></Rule>\
            </ReplicationConfiguration>
            """
        #expect(S3.replicationRules(in: xml).map(\.prefix) == ["old/", ""])
        #expect(S3.replicationRules(in: xml).map(\.destinationBucket) == ["one", "two"])
    }
}
