import AWSCore
import AWSServices
import Backup
import JSON
import Support

/// The first way of putting users in the target when the restore goes `--users-via import`: every
/// user the target lacks and a CSV file can carry goes into user import jobs, which bill no
/// monthly active user; the rest, and any user a job did not take, are left to `UserRestore`'s
/// AdminCreateUser. What a job did is read from the pool afterwards (the caller lists it again),
/// not from the job's log alone: the log's lines only say why a user is missing.
struct UserImport {
    let cognito: any CognitoAPI
    let creates: CreateOnce
    /// Nil in a plan: the files are built and counted, no job is created or uploaded to, and the
    /// users they carry are taken as imported.
    let access: ImportJobAccess?
    let backup: BackupContents
    let poolID: String
    /// DescribeUserPool's `UserPool` of the target.
    let target: JSON
    let restoreID: String
    let report: RestoreReport

    /// The keys (`SortedHashes.hash`) of the users sent in a job that ended.
    func run(existing: ExistingUsers, matching: UserMatching) async throws(RestoreFailure) -> SortedHashes {
        let autoVerified = (target["AutoVerifiedAttributes"]?.array ?? []).compactMap(\.string)
        guard !autoVerified.isEmpty else {
            report.warn("the target pool verifies no attribute automatically, so Cognito runs no import job for it: "
                + "every user goes by AdminCreateUser and is billed as a monthly active user")
            return SortedHashes([])
        }
        let header = try await cognito.call("GetCSVHeader", ["UserPoolId": .string(poolID)], step: "read the CSV header", poolID: poolID)
        let csv = ImportCSV(columns: (header["CSVHeader"]?.array ?? []).compactMap(\.string), autoVerified: autoVerified)
        var refused: [ImportCSV.Refusal: Int] = [:]
        var sent: [UInt64] = []
        var part = ImportFilePart(header: csv.header)
        var number = 1
        let reader = backup.users.reader()
        do {
            while let user = try reader.next() {
                let key = matching.key(user)
                guard !user.isFederatedOnly, existing[key] == nil else { continue }
                switch csv.row(user, username: key.text) {
                case .failure(let refusal): refused[refusal, default: 0] += 1
                case .success(let line):
                    if !part.fits(line) {
                        sent += try await runJob(part, number: number)
                        part = ImportFilePart(header: csv.header)
                        number += 1
                    }
                    part.append(line, key: key)
                }
            }
        } catch let failure as RestoreFailure {
            throw failure
        } catch {
            throw RestoreFailure(step: "read the backup's users for the import", poolID: poolID, underlying: error)
        }
        if !part.isEmpty { sent += try await runJob(part, number: number) }
        for (refusal, count) in refused.sorted(by: { $0.value > $1.value }) {
            report.warn("\(count) users go by AdminCreateUser, billed as monthly active users, not by the import job: \(refusal)")
        }
        return SortedHashes(sorted: sent.sorted())
    }

    var rehearsed: Bool { access == nil }

    private func runJob(_ part: ImportFilePart, number: Int) async throws(RestoreFailure) -> [UInt64] {
        guard let access else {
            report.record("import_jobs", .created)
            return part.keys
        }
        let job = UserImportJob(cognito: cognito, creates: creates, access: access, poolID: poolID,
                                name: Self.jobName(restoreID: restoreID, part: number), report: report)
        let state = try await job.run(file: part.bytes)
        report.record("import_jobs", state.status == "Succeeded" ? .created : .failed)
        var line = "user import job \(state.id) (\(part.rows) users): \(state.status), \(state.imported) imported, "
            + "\(state.skipped) skipped, \(state.failed) failed"
        if let message = state.completionMessage, state.status != "Succeeded" { line += " (\(message))" }
        if state.failed > 0 || state.status != "Succeeded" {
            let reasons = await failedLines(jobID: state.id, jobName: job.name)
            if let first = reasons.first { line += "; the log says, for line \(first.line): \(first.message)" }
            line += "; the users it did not take go by AdminCreateUser"
        }
        report.warn(line)
        return part.keys
    }

    /// `[FAILED]` lines of the job's log, for the report. The log is the job role's to write;
    /// a log that cannot be read loses only the reasons, never a user.
    private func failedLines(jobID: String, jobName: String) async -> [(line: Int, message: String)] {
        let group = "/aws/cognito/userpools/\(poolID)/\(target["Name"]?.string ?? "")"
        var failed: [(line: Int, message: String)] = []
        do {
            try await access?.logs.forEachEvent(group: group, stream: "\(jobID)/\(jobName)") { message in
                if let entry = ImportLogLine(message), entry.outcome == "FAILED" { failed.append((entry.line, entry.message)) }
            }
        } catch {
            report.warn("the log of user import job \(jobID) could not be read (\(error)); the pool was read instead")
        }
        return failed
    }

    /// Unique to this run, so a lost CreateUserImportJob answer is found by name and never
    /// confused with an earlier run's job. Cognito allows `[\w\s+=,.@-]`, 128 at most.
    static func jobName(restoreID: String, part: Int) -> String {
        let run = String(UInt32.random(in: .min ... .max), radix: 16)
        return "cognito-backup restore \(restoreID.prefix(16)) \(run) part \(part)"
    }
}

/// One line of an import job's log: `[SUCCEEDED] Line Number 5956 - The import succeeded.`
struct ImportLogLine: Equatable {
    let outcome: String
    let line: Int
    let message: String

    init?(_ text: String) {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return nil }
        outcome = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...].drop { $0 == " " }
        guard rest.hasPrefix("Line Number ") else { return nil }
        let digits = rest.dropFirst("Line Number ".count).prefix { $0.isNumber }
        guard let line = Int(digits) else { return nil }
        self.line = line
        let tail = rest.dropFirst("Line Number ".count + digits.count).drop { $0 == " " }
        message = String(tail.hasPrefix("- ") ? tail.dropFirst(2) : tail)
    }
}
