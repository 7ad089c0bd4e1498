@testable import AWSServices
import Signing
import Support
import Testing

/// GetBucketLifecycleConfiguration's answer read for what removes a failed backup's upload, and
/// the PutObjectLegalHold request S3 wants.
struct LifecycleAndLegalHoldTests {
    @Test func theShortestEnabledAbortRuleCoveringTheKeyDecides() {
        let xml = """
            <LifecycleConfiguration><Rule><ID>all</ID><Filter></Filter><Status>Enabled</Status>\
            <AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
            <Rule><ID>backups</ID><Filter><Prefix>cognito-backup/</Prefix></Filter><Status>Enabled</Status>\
            <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
            <Rule><ID>off</ID><Filter><Prefix>cognito-backup/</Prefix></Filter><Status>Disabled</Status>\
            <AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
            </LifecycleConfiguration>
            """
        #expect(S3.abortIncompleteUploadDays(in: xml, key: "cognito-backup/2026/12/07/p-010203.json") == 1)
        #expect(S3.abortIncompleteUploadDays(in: xml, key: "elsewhere/x") == 7)
    }

    @Test func rulesThatOnlyExpireObjectsDoNotAbortUploads() {
        let xml = """
            <LifecycleConfiguration><Rule><ID>expire</ID><Filter><Prefix>cognito-backup/</Prefix></Filter><Status>Enabled</Status>\
            <Expiration><Days>90</Days></Expiration></Rule></LifecycleConfiguration>
            """
        #expect(S3.abortIncompleteUploadDays(in: xml, key: "cognito-backup/2026/12/07/p-010203.json") == nil)
    }

    @Test func aLegalHoldCarriesTheContentMD5OfItsBody() {
        let request = S3.legalHoldRequest(on: true)
        #expect(String(decoding: request.body, as: UTF8.self)
            == "<LegalHold xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>ON</Status></LegalHold>")
        #expect(request.headers.first { $0.name == "Content-MD5" }?.value == Base64.encode(Crypto.md5(request.body)))
        #expect(String(decoding: S3.legalHoldRequest(on: false).body, as: UTF8.self).contains("<Status>OFF</Status>"))
    }

    @Test func md5IsRFC1321s() {
        #expect(Crypto.md5(Array("".utf8)).hexString == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Base64.encode(Crypto.md5(Array("abc".utf8))) == "kAFQmDzST7DWlj99KOF/cg==")
    }

    @Test func aKeysVersionsLeaveOutDeleteMarkersAndLongerKeysAndSayWhereTheNextPageStarts() {
        let key = "cognito-backup/2026/12/07/p-010203.json"
        let xml = """
            <ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>\(key)</NextKeyMarker>\
            <NextVersionIdMarker>v1</NextVersionIdMarker>\
            <DeleteMarker><Key>\(key)</Key><VersionId>dm</VersionId><IsLatest>true</IsLatest></DeleteMarker>\
            <Version><Key>\(key)</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest></Version>\
            <Version><Key>\(key).manifest.json</Key><VersionId>m1</VersionId><IsLatest>true</IsLatest></Version>\
            <Version><Key>\(key)</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest></Version></ListVersionsResult>
            """
        #expect(S3.versionIDs(in: xml, key: key) == ["v2", "v1"])
        #expect(S3.nextVersionMarkers(in: xml).map { "\($0.name)=\($0.value)" } == ["key-marker=\(key)", "version-id-marker=v1"])
        #expect(S3.nextVersionMarkers(in: "<ListVersionsResult><IsTruncated>false</IsTruncated></ListVersionsResult>").isEmpty)
    }
}
