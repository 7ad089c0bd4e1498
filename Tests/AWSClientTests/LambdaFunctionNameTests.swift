@testable import AWSServices
import Testing

struct LambdaFunctionNameTests {
    @Test func aNameAloneHasNoRegionAccountOrQualifier() throws {
        let function = try #require(Lambda.FunctionName("cognito-backup-prod"))
        #expect(function.name == "cognito-backup-prod" && function.qualifier == nil && function.region == nil && function.account == nil)
    }

    @Test func aNameWithAnAliasCarriesItAsTheQualifier() throws {
        #expect(try #require(Lambda.FunctionName("cognito-backup-prod:live")).qualifier == "live")
        #expect(try #require(Lambda.FunctionName("cognito-backup-prod:$LATEST")).qualifier == nil)
    }

    @Test func anARNIsTakenApartIntoRegionAccountNameAndQualifier() throws {
        let function = try #require(Lambda.FunctionName("arn:aws:lambda:eu-west-1:123456789012:function:cognito-backup-prod:7"))
        #expect(function.region == "eu-west-1" && function.account == "123456789012")
        #expect(function.name == "cognito-backup-prod" && function.qualifier == "7")
        #expect(Lambda.FunctionName("arn:aws-cn:lambda:cn-north-1:123456789012:function:f")?.region == "cn-north-1")
    }

    @Test(arguments: ["", "a/b", "name:v1:extra", "arn:aws:s3:::bucket", "arn:aws:lambda:us-east-1:123:function:f",
                      "arn:aws:lambda:us-east-1:123456789012:layer:f", String(repeating: "f", count: 65), "name:bad.alias"])
    func whatIsNoFunctionIsRefused(_ text: String) {
        #expect(Lambda.FunctionName(text) == nil)
    }
}
