import AWSCore
import AWSServices

/// Which backups are under an Object Lock legal hold, for `list` and `status`: one
/// GetObjectLegalHold per object, and none more in a bucket once S3 says it has no Object Lock.
struct LegalHolds: Sendable {
    let s3: S3

    /// Each object's hold, in the order given: nil where its bucket has no Object Lock, the
    /// object is gone, or the identity may not ask (no s3:GetObjectLegalHold: then `warn` hears
    /// of it once per bucket, and the rest of the listing still stands).
    func states(_ objects: [(bucket: String, key: String)], warn: (String) -> Void) async throws(AWSError) -> [Bool?] {
        var unlocked: Set<String> = []
        var states: [Bool?] = []
        for (bucket, key) in objects {
            guard !unlocked.contains(bucket) else {
                states.append(nil)
                continue
            }
            do {
                let hold = try await s3.legalHold(bucket: bucket, key: key)
                if hold == nil { unlocked.insert(bucket) }
                states.append(hold)
            } catch where error.httpStatus == 404 {
                // A row whose object the lifecycle rule has expired: nothing there to hold.
                states.append(nil)
            } catch where error.httpStatus == 403 {
                warn("cannot read the legal holds in \(bucket) (\(error.code)): grant s3:GetObjectLegalHold to see them")
                unlocked.insert(bucket)
                states.append(nil)
            }
        }
        return states
    }

    /// Whether any object could be held at all, and the held keys, in the order given.
    func held(_ objects: [(bucket: String, key: String)], warn: (String) -> Void) async throws(AWSError) -> (known: Bool, held: [String]) {
        let states = try await states(objects, warn: warn)
        return (states.contains { $0 != nil }, zip(objects, states).filter { $0.1 == true }.map(\.0.key))
    }
}
