import AWSCore
import AWSServices

/// Which backups are under an Object Lock legal hold, for `list` and `status`: one
/// GetObjectLegalHold per object version, and none more in a bucket once S3 says it has no
/// Object Lock. By version: a held backup whose key the tier's lifecycle rule has hidden behind a
/// delete marker is still held, and still answers.
struct LegalHolds: Sendable {
    let s3: S3

    /// One object asked about: its version when known (the row's or the manifest's), else the
    /// key's current one.
    struct Object: Sendable {
        let bucket: String
        let key: String
        let versionID: String?
    }

    /// Each object's hold, in the order given: nil where its bucket has no Object Lock, the
    /// object is gone, or the identity may not ask (no s3:GetObjectLegalHold: then `warn` hears
    /// of it once per bucket, and the rest of the listing still stands).
    func states(_ objects: [Object], warn: (String) -> Void) async throws(AWSError) -> [Bool?] {
        var unlocked: Set<String> = []
        var states: [Bool?] = []
        for object in objects {
            guard !unlocked.contains(object.bucket) else {
                states.append(nil)
                continue
            }
            do {
                let hold = try await s3.legalHold(bucket: object.bucket, key: object.key, versionID: object.versionID)
                if hold == nil { unlocked.insert(object.bucket) }
                states.append(hold)
            } catch where error.httpStatus == 404 || error.httpStatus == 405 {
                // The version is gone (expired by its tier's rule and unheld), or the key shows a
                // delete marker and no version was known (405): nothing there to hold.
                states.append(nil)
            } catch where error.httpStatus == 403 {
                warn("cannot read the legal holds in \(object.bucket) (\(error.code)): grant s3:GetObjectLegalHold to see them")
                unlocked.insert(object.bucket)
                states.append(nil)
            }
        }
        return states
    }
}
