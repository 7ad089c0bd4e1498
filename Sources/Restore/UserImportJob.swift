import AWSCore
import AWSServices
import HTTP
import JSON

/// What a restore needs to run user import jobs: the role Cognito writes the job's log with, and
/// the clients for the log and for the upload to the job's pre-signed URL.
public struct ImportJobAccess: Sendable {
    public let roleARN: String
    public let logs: CloudWatchLogs
    public let http: HTTPClient

    public init(roleARN: String, logs: CloudWatchLogs, http: HTTPClient = .shared) {
        self.roleARN = roleARN
        self.logs = logs
        self.http = http
    }
}

/// One Cognito user import job, from its creation to its end: CreateUserImportJob (sent once; a
/// lost answer is found by the job's name), the file PUT to the job's pre-signed URL, then
/// StartUserImportJob and DescribeUserImportJob until the job ends. Cognito runs one import job
/// per account at a time, so a job refused because another is active waits for it. Cancelled
/// (SIGINT), it stops the job before it returns.
struct UserImportJob: Sendable {
    let cognito: any CognitoAPI
    let creates: CreateOnce
    let access: ImportJobAccess
    let poolID: String
    let name: String
    let report: RestoreReport
    /// Between two DescribeUserImportJob calls: growing from the first to the last, so a short
    /// job ends quickly and a long one costs few calls (the quota is 5 per second and pool).
    var pollDelays: (first: Double, last: Double) = (0.2, 5)
    /// While another import job of the account is active.
    var waitDelays: (first: Double, last: Double) = (1, 30)

    /// DescribeUserImportJob's `UserImportJob`, the parts a restore reads.
    struct State: Sendable {
        let id: String
        let status: String
        let preSignedURL: String?
        let imported: Int
        let skipped: Int
        let failed: Int
        let completionMessage: String?

        init?(_ job: JSON?) {
            guard let job, let id = job["JobId"]?.string else { return nil }
            self.id = id
            status = job["Status"]?.string ?? "Unknown"
            preSignedURL = job["PreSignedUrl"]?.string
            imported = job["ImportedUsers"]?.int ?? 0
            skipped = job["SkippedUsers"]?.int ?? 0
            failed = job["FailedUsers"]?.int ?? 0
            completionMessage = job["CompletionMessage"]?.string
        }

        var ended: Bool { ["Succeeded", "Failed", "Stopped", "Expired"].contains(status) }
    }

    /// AWS's header for the upload: the file is stored encrypted with KMS, and the URL is signed for it.
    static let encryptionHeader = (name: "x-amz-server-side-encryption", value: "aws:kms")

    func run(file: [UInt8]) async throws(RestoreFailure) -> State {
        let created = try await create()
        if created.status == "Created" {
            try await upload(file, to: created)
            try await start(created.id)
        }
        return try await stoppingIfCancelled(created.id) { () async throws(RestoreFailure) in try await waitForEnd(created.id) }
    }

    private func create() async throws(RestoreFailure) -> State {
        let step = "create user import job \(name)"
        let request: JSON = ["UserPoolId": .string(poolID), "JobName": .string(name), "CloudWatchLogsRoleArn": .string(access.roleARN)]
        var delay = waitDelays.first
        while true {
            do {
                return try await creates.create("CreateUserImportJob", request, step: step, poolID: poolID, answered: { answer throws(RestoreFailure) in
                    guard let state = State(answer["UserImportJob"]) else {
                        throw RestoreFailure(step: step, poolID: poolID,
                                             underlying: AWSError.unexpectedAnswer("CreateUserImportJob", "no UserImportJob in the answer"))
                    }
                    return state
                }, find: { () async throws(RestoreFailure) in try await job(named: name) })
            } catch let failure where Self.anotherJobIsActive(failure) {
                try await wait(&delay, step: step)
            }
        }
    }

    /// The job of this name in the pool, if an earlier attempt created it.
    private func job(named name: String) async throws(RestoreFailure) -> State? {
        var found: State?
        do {
            try await cognito.forEachPage("ListUserImportJobs", ["UserPoolId": .string(poolID), "MaxResults": 60]) { page in
                for job in page["UserImportJobs"]?.array ?? [] where job["JobName"]?.string == name { found = State(job) }
            }
        } catch {
            throw RestoreFailure(step: "look for user import job \(name)", poolID: poolID, underlying: error)
        }
        return found
    }

    /// The file to the job's pre-signed URL, which carries its own signature: the request is not
    /// signed again, and sends the header the URL was signed with.
    private func upload(_ file: [UInt8], to job: State) async throws(RestoreFailure) {
        let step = "upload the CSV file of user import job \(job.id)"
        guard let url = job.preSignedURL else {
            throw RestoreFailure(step: step, poolID: poolID, underlying: AWSError.unexpectedAnswer("CreateUserImportJob", "no PreSignedUrl"))
        }
        let request = HTTPRequest(method: "PUT", url: url, headers: [Self.encryptionHeader, ("Content-Type", "text/csv")], body: file,
                                  timeouts: HTTPTimeouts(connectMilliseconds: 5_000, totalMilliseconds: 600_000, stallSeconds: 60))
        let response: HTTPResponse
        do { response = try await access.http.send(request) } catch {
            throw RestoreFailure(step: step, poolID: poolID, underlying: error)
        }
        guard response.status == 200 else {
            throw RestoreFailure(step: step, poolID: poolID, underlying: AWSError(
                service: "s3", operation: "PutObject (pre-signed)", httpStatus: response.status,
                code: XMLText.value(of: "Code", in: String(decoding: response.body, as: UTF8.self)) ?? "HTTP \(response.status)",
                message: "the upload URL refused the file (it is valid for 15 minutes from CreateUserImportJob)",
                requestID: response.header("x-amz-request-id")))
        }
    }

    /// StartUserImportJob, waiting while another job of the account is active. A lost answer is
    /// told apart by the job's state: started, it is no longer `Created`.
    private func start(_ id: String) async throws(RestoreFailure) {
        let step = "start user import job \(id)"
        var delay = waitDelays.first
        while true {
            do {
                _ = try await creates.cognito.call("StartUserImportJob", ["UserPoolId": .string(poolID), "JobId": .string(id)],
                                                   step: step, poolID: poolID)
                return
            } catch let failure where Self.anotherJobIsActive(failure) || failure.awsError?.isThrottling == true {
                try await wait(&delay, step: step)
            } catch let failure where failure.awsError.map(CreateOnce.kind) == .maybeDone {
                if try await describe(id).status != "Created" { return }
                try await wait(&delay, step: step)
            }
        }
    }

    /// Cognito's answer when the account already has an active import job: LimitExceededException
    /// to CreateUserImportJob, PreconditionNotMetException to StartUserImportJob.
    static func anotherJobIsActive(_ failure: RestoreFailure) -> Bool {
        ["LimitExceededException", "PreconditionNotMetException"].contains(failure.awsError?.code ?? "")
    }

    private func waitForEnd(_ id: String) async throws(RestoreFailure) -> State {
        var delay = pollDelays.first
        while true {
            let state = try await describe(id)
            if state.ended { return state }
            try await sleep(delay, step: "wait for user import job \(id)")
            delay = min(delay * 2, pollDelays.last)
        }
    }

    private func describe(_ id: String) async throws(RestoreFailure) -> State {
        let step = "describe user import job \(id)"
        let answer = try await cognito.call("DescribeUserImportJob", ["UserPoolId": .string(poolID), "JobId": .string(id)], step: step, poolID: poolID)
        guard let state = State(answer["UserImportJob"]) else {
            throw RestoreFailure(step: step, poolID: poolID, underlying: AWSError.unexpectedAnswer("DescribeUserImportJob", "no UserImportJob"))
        }
        return state
    }

    /// Runs `body`; if the restore is cancelled meanwhile, stops the job first, in a task of its
    /// own (the cancelled one can send nothing), so no job goes on importing for a restore that
    /// has ended.
    private func stoppingIfCancelled<T: Sendable>(_ id: String, _ body: () async throws(RestoreFailure) -> T) async throws(RestoreFailure) -> T {
        do {
            return try await body()
        } catch {
            guard Task.isCancelled else { throw error }
            let cognito = self.cognito, poolID = self.poolID
            let stopped = await Task.detached { () async -> AWSError? in
                do {
                    _ = try await cognito.call("StopUserImportJob", ["UserPoolId": .string(poolID), "JobId": .string(id)])
                    return nil
                } catch {
                    return error as? AWSError ?? AWSError(service: "cognito-idp", operation: "StopUserImportJob", httpStatus: nil,
                                                          code: "Unknown", message: "\(error)", requestID: nil)
                }
            }.value
            if let stopped, stopped.code != "InvalidParameterException" {
                // The job may have ended by itself in between (Stop is then refused); anything else is told.
                report.warn("user import job \(id) could not be stopped: \(stopped)")
            } else {
                report.warn("user import job \(id) was stopped (the restore was interrupted)")
            }
            throw error
        }
    }

    private func wait(_ delay: inout Double, step: String) async throws(RestoreFailure) {
        try await sleep(delay, step: step)
        delay = min(delay * 2, waitDelays.last)
    }

    private func sleep(_ seconds: Double, step: String) async throws(RestoreFailure) {
        do { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) } catch {
            throw RestoreFailure(step: step, poolID: poolID, underlying: error)
        }
    }
}
