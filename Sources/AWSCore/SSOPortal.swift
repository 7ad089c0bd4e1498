import JSON
import Signing
import Support

/// IAM Identity Center's portal API: a role's credentials for the bearer of an SSO access token.
struct SSOPortal: Sendable {
    let aws: AWSClient

    /// Unsigned, as the token is the proof of identity. A refused token is `UnauthorizedException`.
    func roleCredentials(roleName: String, accountID: String, accessToken: String) async throws(AWSError) -> Credentials {
        let call = ServiceCall(service: .ssoPortal, operation: "GetRoleCredentials", method: "GET", path: "/federation/credentials",
                               query: [("account_id", accountID), ("role_name", roleName)],
                               headers: [("x-amz-sso_bearer_token", accessToken)], unsigned: true)
        let response = try await aws.perform(call, endpoint: aws.endpoint(for: .ssoPortal), retry: .standard, limiters: [],
                                             decodeError: JSONProtocolClient.decodeError)
        guard let document = try? JSON(parsing: response.body), let role = document["roleCredentials"],
              let id = role["accessKeyId"]?.string, let secret = role["secretAccessKey"]?.string,
              let expiration = role["expiration"]?.int else {
            throw AWSError(service: AWSService.ssoPortal.rawValue, operation: "GetRoleCredentials", httpStatus: response.status,
                           code: "InvalidResponse", message: "the response holds no complete roleCredentials",
                           requestID: response.header("x-amzn-requestid"))
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: role["sessionToken"]?.string,
                           expiration: UTCTime(millisecondsSinceEpoch: Int64(expiration)))
    }
}
