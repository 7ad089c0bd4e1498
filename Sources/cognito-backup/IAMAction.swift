import AWSCore

/// The IAM action an AWS call needs, named when AWS refuses the call: S3 answers a refusal with
/// "Access Denied" alone, and a person fixes a policy by the action's name, which for S3 is
/// often not the call's (HeadObject needs s3:GetObject, GetBucketReplication
/// s3:GetReplicationConfiguration).
enum IAMAction {
    static let s3Actions = [
        "HeadObject": "s3:GetObject", "ListObjectsV2": "s3:ListBucket", "HeadBucket": "s3:ListBucket",
        "ListMultipartUploads": "s3:ListBucketMultipartUploads", "GetBucketReplication": "s3:GetReplicationConfiguration",
        "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration", "CreateMultipartUpload": "s3:PutObject",
        "UploadPart": "s3:PutObject", "CompleteMultipartUpload": "s3:PutObject",
    ]

    static func of(service: String, operation: String) -> String {
        service == "s3" ? s3Actions[operation] ?? "s3:\(operation)" : "\(service):\(operation)"
    }

    /// "; the identity needs s3:GetObject" for a refusal of the identity's rights; "" for any other error.
    static func hint(for error: any Error) -> String {
        guard let error = error as? AWSError, error.httpStatus == 403, error.code.hasPrefix("AccessDenied") else { return "" }
        return "; the identity needs \(of(service: error.service, operation: error.operation))"
    }
}
