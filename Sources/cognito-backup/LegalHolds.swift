import AWSCore
import AWSServices

/// Which backups are under an Object Lock legal hold, for `list` and `status`: one
/// GetObjectLegalHold per object, and none more in a bucket once S3 says it has no Object Lock.
struct LegalHolds: Sendable {
    let s3: S3

    /// Whether any bucket could hold at all, and the held keys, in the order given.
    func held(_ objects: [(bucket: String, key: String)]) async throws(AWSError) -> (known: Bool, held: [String]) {
        var unlocked: Set<String> = []
        var known = false
        var held: [String] = []
        for (bucket, key) in objects where !unlocked.contains(bucket) {
            let hold: Bool?
            do {
                hold = try await s3.legalHold(bucket: bucket, key: key)
            } catch where error.httpStatus == 404 {
                // A row whose object the lifecycle rule has expired: nothing there to hold.
                continue
            }
            switch hold {
            case nil: unlocked.insert(bucket)
            case true?:
                known = true
                held.append(key)
            case false?: known = true
            }
        }
        return (known, held)
    }
}
