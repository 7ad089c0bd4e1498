@testable import AWSCore
@testable import AWSServices
import TestSupport
import Testing

/// GetFunctionConfiguration against answers shaped as Lambda's: the environment read, an error
/// named from `x-amzn-ErrorType`, an environment Lambda could not decrypt, an ARN of another account.
struct LambdaConfigurationTests {
    static let arn = "arn:aws:lambda:\(Fixture.region):123456789012:function:cognito-backup-prod"

    private static func lambda(_ server: ScriptedServer) throws -> Lambda { Lambda(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 2)) }

    private static func answer(_ environment: String) -> ScriptedServer.Behaviour {
        .respond(200, headers: [("Content-Type", "application/json")],
                 body: #"{"FunctionName":"cognito-backup-prod","FunctionArn":"\#(arn)","Runtime":"provided.al2023","Environment":\#(environment)}"#)
    }

    @Test func theEnvironmentVariablesAreReadFromTheFunctionsPathByName() async throws {
        let server = try ScriptedServer([Self.answer(#"{"Variables":{"USER_POOL_IDS":"*","BACKUP_TABLE":"t"}}"#)])
        let configuration = try await Self.lambda(server).functionConfiguration(try #require(Lambda.FunctionName("cognito-backup-prod:live")))
        #expect(configuration.arn == Self.arn && configuration.variables == ["USER_POOL_IDS": "*", "BACKUP_TABLE": "t"])
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1 && request.method == "GET" && request.target == "/2015-03-31/functions/cognito-backup-prod/configuration?Qualifier=live")
        #expect(request.header("Authorization")?.contains("/\(Fixture.region)/lambda/aws4_request") == true)
    }

    @Test func aFunctionThatIsNotThereIsNamedByLambdasErrorType() async throws {
        let server = try ScriptedServer([.respond(404, headers: [
            ("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awsgirlambda/"),
            ("x-amzn-RequestId", "req-1")], body: #"{"Type":"User","Message":"Function not found: \#(Self.arn)"}"#)])
        await #expect {
            _ = try await Self.lambda(server).functionConfiguration(try #require(Lambda.FunctionName("cognito-backup-prod")))
        } throws: { error in
            guard let error = error as? AWSError else { return false }
            return error.code == "ResourceNotFoundException" && error.httpStatus == 404 && error.message == "Function not found: \(Self.arn)"
        }
    }

    @Test func anEnvironmentLambdaCannotDecryptIsAnErrorNotAnEmptyPolicy() async throws {
        let server = try ScriptedServer([Self.answer(#"{"Error":{"ErrorCode":"KMSAccessDeniedException","Message":"Lambda was unable to decrypt"}}"#)])
        await #expect {
            _ = try await Self.lambda(server).functionConfiguration(try #require(Lambda.FunctionName("cognito-backup-prod")))
        } throws: { error in
            (error as? AWSError)?.code == "KMSAccessDeniedException"
        }
    }

    @Test func anARNOfAnotherAccountIsRefusedWhenTheCallersFunctionOfThatNameAnswers() async throws {
        let server = try ScriptedServer([Self.answer(#"{"Variables":{}}"#)])
        let other = try #require(Lambda.FunctionName("arn:aws:lambda:\(Fixture.region):999999999999:function:cognito-backup-prod"))
        await #expect(throws: Lambda.WrongAccount.self) { _ = try await Self.lambda(server).functionConfiguration(other) }
    }

    @Test func anARNsRegionIsWhereTheCallIsSignedFor() async throws {
        let server = try ScriptedServer([Self.answer(#"{"Variables":{}}"#)])
        _ = try? await Self.lambda(server).functionConfiguration(try #require(Lambda.FunctionName("arn:aws:lambda:eu-west-3:123456789012:function:f")))
        #expect(server.requests.first?.header("Authorization")?.contains("/eu-west-3/lambda/aws4_request") == true)
    }
}
