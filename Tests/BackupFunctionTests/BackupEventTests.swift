import Backup
@testable import BackupFunction
import JSON
import LambdaRuntime
import Support
import Testing

struct BackupEventTests {
    @Test(arguments: ["", "  ", "{}", "null"])
    func emptyPayloadBacksUpEveryConfiguredPool(_ body: String) throws {
        #expect(try BackupEvent.parse(Array(body.utf8)) == .allConfiguredPools(trigger: "manual"))
    }

    @Test func scheduledEventBacksUpEveryConfiguredPool() throws {
        let event = #"{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-21T18:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/cognito-backup-schedule"],"detail":{}}"#
        #expect(try BackupEvent.parse(Array(event.utf8)) == .allConfiguredPools(trigger: "schedule"))
    }

    @Test func adminCreateUserEventNamesItsPool() throws {
        let event = #"{"detail-type":"AWS API Call via CloudTrail","source":"aws.cognito-idp","detail":{"eventSource":"cognito-idp.amazonaws.com","eventName":"AdminCreateUser","requestParameters":{"userPoolId":"us-east-1_AbC123","username":"HIDDEN_DUE_TO_SECURITY_REASONS"}}}"#
        #expect(try BackupEvent.parse(Array(event.utf8)) == .userCreated(poolID: "us-east-1_AbC123"))
    }

    @Test func manualInvokeMayNamePools() throws {
        #expect(try BackupEvent.parse(Array(#"{"user_pool_ids":["us-east-1_A1","eu-west-1_B2"]}"#.utf8)) == .pools(["us-east-1_A1", "eu-west-1_B2"]))
    }

    @Test(arguments: [
        #"{"user_pool_ids":[]}"#, #"{"user_pool_ids":["not a pool"]}"#, #"{"user_pool_ids":"us-east-1_A1"}"#,
        #"{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"AdminDeleteUser"}}"#,
        #"{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"AdminCreateUser","requestParameters":{}}}"#,
        #"{"hello":"world"}"#, #"{"broken":"#, "[1,2]", "42",
    ])
    func anythingElseIsAnInvalidEventThatSaysWhy(_ body: String) {
        #expect { try BackupEvent.parse(Array(body.utf8)) } throws: { error in
            (error as? InvocationError)?.type == "InvalidEvent" && !((error as? InvocationError)?.message.isEmpty ?? true)
        }
    }
}

struct FunctionConfigurationTests {
    let complete = ["USER_POOL_IDS": " us-east-1_A1 , us-east-1_B2 ", "BACKUP_BUCKET": "b", "BACKUP_TABLE": "t"]

    @Test func readsTheOriginalFunctionsVariables() throws {
        let configuration = try FunctionConfiguration(environment: complete)
        #expect(configuration.selection.listed == ["us-east-1_A1", "us-east-1_B2"] && configuration.selection.isListedOnly)
        #expect(configuration.minimumIntervalSeconds == 300)
    }

    @Test(arguments: ["USER_POOL_IDS", "BACKUP_BUCKET", "BACKUP_TABLE"])
    func aMissingVariableIsNamed(_ name: String) {
        var environment = complete
        environment[name] = nil
        #expect { try FunctionConfiguration(environment: environment) } throws: { "\($0)".contains(name) }
    }

    @Test(arguments: [("USER_POOL_IDS", "pool-without-region"), ("BACKUP_MIN_INTERVAL_SECONDS", "soon"), ("COGNITO_TPS_USERLIST", "fast")])
    func aMalformedValueIsRefused(_ name: String, _ value: String) {
        var environment = complete
        environment[name] = value
        #expect(throws: (any Error).self) { try FunctionConfiguration(environment: environment) }
    }
}

struct PoolSelectionTests {
    @Test func aStarSelectsEveryPoolBesideTheListedOnes() throws {
        let selection = try PoolSelection(poolIDs: "*, us-east-1_A1", tags: "")
        #expect(selection.everyPool && selection.listed == ["us-east-1_A1"] && !selection.isListedOnly)
    }

    @Test func tagsAloneSelectWithNoPoolListed() throws {
        let selection = try PoolSelection(poolIDs: "", tags: "backup=hourly, team = identity")
        #expect(selection.tags.map(\.description) == ["backup=hourly", "team=identity"])
        #expect(selection.listed.isEmpty && !selection.everyPool)
    }

    @Test(arguments: [("", ""), ("", "novalue"), ("", "=x"), ("pool-without-region", "")])
    func aSelectionOfNothingOrOfMalformedPartsIsRefused(_ ids: String, _ tags: String) {
        #expect(throws: ConfigurationError.self) { try PoolSelection(poolIDs: ids, tags: tags) }
    }
}

struct ResumableEventTests {
    @Test func theStateMachinesFirstEventBacksUpTheConfiguredOrNamedPoolsResumably() throws {
        #expect(try BackupEvent.parse(Array(#"{"resumable": true}"#.utf8)) == .resumable(poolIDs: nil))
        #expect(try BackupEvent.parse(Array(#"{"resumable": true, "user_pool_ids": ["us-east-1_A1"]}"#.utf8)) == .resumable(poolIDs: ["us-east-1_A1"]))
        #expect(throws: InvocationError.self) { try BackupEvent.parse(Array(#"{"resumable": "yes"}"#.utf8)) }
    }

    @Test func anExecutionAnEventStartedCarriesTheStartOfItsCoalescingWindow() throws {
        let event = #"{"resumable": true, "user_pool_ids": ["us-east-1_A1"], "unless_backed_up_since": "2026-12-07T15:00:00.000Z"}"#
        #expect(try BackupEvent.parse(Array(event.utf8))
            == .resumable(poolIDs: ["us-east-1_A1"], unlessBackedUpSince: UTCTime(iso8601: "2026-12-07T15:00:00Z")))
        #expect(throws: InvocationError.self) {
            try BackupEvent.parse(Array(#"{"resumable": true, "unless_backed_up_since": "yesterday"}"#.utf8))
        }
    }

    @Test func aContinuationAnsweredComesBackAsTheSameContinuation() throws {
        var soFar = RunSoFar()
        soFar.backups = [RunSoFar.Stored(poolID: "us-east-1_A1", key: "cognito-backup/2026/11/30/us-east-1_A1-010203.json", users: 7)]
        soFar.skipped = [RunSoFar.Skipped(poolID: "us-east-1_B2", reason: "held")]
        soFar.failures = ["us-east-1_C3: AccessDenied"]
        let run = RunContinuation(
            backup: BackupContinuation(poolID: "us-east-1_D4", key: "cognito-backup/2026/11/30/us-east-1_D4-010203.json", uploadID: "u-1"),
            lease: RunContinuation.HeldLease(token: "t", requestID: "r", since: "2026-11-30T01:02:03Z"),
            poolsLeft: ["us-east-1_E5"], soFar: soFar, invocations: 3)
        #expect(try BackupEvent.parse((["continue": run.json] as JSON).serializedBytes) == .resume(run))
    }

    @Test(arguments: [#"{"continue": {}}"#, #"{"continue": {"backup": {"user_pool_id": "us-east-1_D4", "s3_key": "elsewhere"}}}"#])
    func aContinuationThatIsNotOneOfOursIsRefused(_ body: String) {
        #expect(throws: InvocationError.self) { try BackupEvent.parse(Array(body.utf8)) }
    }
}

struct BackupAnswerTests {
    @Test func successKeepsTheOriginalFunctionsShape() throws {
        let answer = try JSON(parsing: BackupHandler.answer(message: "Successfully backed up 0 user pools", RunSoFar()))
        #expect(answer["statusCode"] == 200)
        let body = try JSON(parsing: answer["body"]!.string!)
        #expect(body["message"] == "Successfully backed up 0 user pools")
        #expect(body["backups"] == [])
    }
}

struct DrillEventTests {
    @Test func drillEventNamesItsPools() throws {
        #expect(try BackupEvent.parse(Array(#"{"drill": {"user_pool_ids": ["us-east-1_A1", "eu-west-1_B2"]}}"#.utf8))
            == .drill(poolIDs: ["us-east-1_A1", "eu-west-1_B2"]))
    }

    @Test func anEmptyDrillEventDrillsEveryConfiguredPool() throws {
        #expect(try BackupEvent.parse(Array(#"{"drill": {}}"#.utf8)) == .drill(poolIDs: nil))
    }

    @Test func aDrillEventSaysHowManyUsersEachDrillRestores() throws {
        #expect(try BackupEvent.parse(Array(#"{"drill": {"users": 250}}"#.utf8)) == .drill(poolIDs: nil, users: .sample(250)))
        #expect(try BackupEvent.parse(Array(#"{"drill": {"users": "all"}}"#.utf8)) == .drill(poolIDs: nil, users: .all))
        // The template's schedule sends its parameter as a string.
        #expect(try BackupEvent.parse(Array(#"{"drill": {"users": "1000"}}"#.utf8)) == .drill(poolIDs: nil, users: .sample(1_000)))
        #expect(try BackupEvent.parse(Array(#"{"drill": {}}"#.utf8)) == .drill(poolIDs: nil, users: .sample(1_000)))
    }

    @Test(arguments: [#"{"drill": true}"#, #"{"drill": {"user_pool_ids": []}}"#, #"{"drill": {"user_pool_ids": ["nope"]}}"#,
                      #"{"drill": {"users": 0}}"#, #"{"drill": {"users": "some"}}"#, #"{"drill": {"users": true}}"#])
    func aMalformedDrillEventIsRefused(_ body: String) {
        #expect(throws: InvocationError.self) { try BackupEvent.parse(Array(body.utf8)) }
    }
}
