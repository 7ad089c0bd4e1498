@testable import Restore
import AWSCore
import JSON
import Testing

struct CreateOnceTests {
    static func transport(_ kind: String) -> AWSError {
        AWSError(service: "cognito-idp", operation: "CreateGroup", httpStatus: nil, code: "Transport.\(kind)", message: kind, requestID: nil)
    }

    /// Fails the first call with `error`, then answers.
    static func failingOnce(_ error: AWSError) -> ScriptedCognito {
        ScriptedCognito { operation, _ in
            guard operation == "CreateGroup" else { return nil }
            return nil
        }.failingFirst("CreateGroup", with: error)
    }

    @Test func lostAnswerIsLookedUpAndWhatIsFoundAdoptedWithoutSendingAgain() async throws {
        let cognito = Self.failingOnce(Self.transport("reset"))
        var looked = 0
        try await CreateOnce(cognito: cognito, baseDelayMilliseconds: 1).create("CreateGroup", ["GroupName": "admins"], step: "create", poolID: "p",
                                                                              exists: { looked += 1; return true })
        #expect(cognito.calls("CreateGroup").count == 1 && looked == 1)
    }

    @Test func lostAnswerOfACreateThatWasNotDoneIsSentAgainAfterLooking() async throws {
        let cognito = Self.failingOnce(AWSError(service: "cognito-idp", operation: "CreateGroup", httpStatus: 503, code: "ServiceUnavailable",
                                                message: "", requestID: nil))
        var looked = 0
        try await CreateOnce(cognito: cognito, baseDelayMilliseconds: 1).create("CreateGroup", ["GroupName": "admins"], step: "create", poolID: "p",
                                                                              exists: { looked += 1; return false })
        #expect(cognito.calls("CreateGroup").count == 2 && looked == 1)
    }

    @Test(arguments: ["connect", "throttle"])
    func createCertainlyNotDoneIsSentAgainWithoutLooking(failure: String) async throws {
        let error = failure == "connect" ? Self.transport("connect") : ScriptedCognito.error("TooManyRequestsException")
        let cognito = Self.failingOnce(error)
        try await CreateOnce(cognito: cognito, baseDelayMilliseconds: 1).create("CreateGroup", ["GroupName": "admins"], step: "create", poolID: "p",
                                                                              exists: { Issue.record("looked up"); return true })
        #expect(cognito.calls("CreateGroup").count == 2)
    }

    @Test func refusedCreateIsNeitherLookedUpNorSentAgain() async throws {
        let cognito = Self.failingOnce(ScriptedCognito.error("InvalidParameterException"))
        await #expect(throws: RestoreFailure.self) {
            try await CreateOnce(cognito: cognito, baseDelayMilliseconds: 1).create("CreateGroup", ["GroupName": "admins"], step: "create",
                                                                                  poolID: "p", exists: { Issue.record("looked up"); return true })
        }
        #expect(cognito.calls("CreateGroup").count == 1)
    }
}
