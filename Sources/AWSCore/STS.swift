import Signing
import Support

/// AWS Security Token Service, for the credentials a role profile or a web identity token stands for.
struct STS: Sendable {
    private let client: QueryProtocolClient

    init(aws: AWSClient, retry: RetryPolicy = .standard) {
        client = QueryProtocolClient(aws: aws, service: .sts, version: "2011-06-15", retry: retry)
    }

    /// Signed with the client's credentials: the role's trust policy decides whether they may.
    func assumeRole(_ request: AssumeRoleRequest) async throws(AWSError) -> Credentials {
        var parameters = [("RoleArn", request.roleARN), ("RoleSessionName", request.sessionName)]
        if let externalID = request.externalID { parameters.append(("ExternalId", externalID)) }
        if let duration = request.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        return try Self.credentials(in: await client.call("AssumeRole", parameters), operation: "AssumeRole")
    }

    /// Unsigned: the token is the proof of identity.
    func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, token: String) async throws(AWSError) -> Credentials {
        let parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
        return try Self.credentials(in: await client.call("AssumeRoleWithWebIdentity", parameters, signed: false),
                                    operation: "AssumeRoleWithWebIdentity")
    }

    /// `<Credentials><AccessKeyId>…<SecretAccessKey>…<SessionToken>…<Expiration>…</Credentials>`
    static func credentials(in xml: String, operation: String) throws(AWSError) -> Credentials {
        guard let block = XMLText.value(of: "Credentials", in: xml),
              let id = XMLText.value(of: "AccessKeyId", in: block), let secret = XMLText.value(of: "SecretAccessKey", in: block),
              let token = XMLText.value(of: "SessionToken", in: block),
              let expiration = XMLText.value(of: "Expiration", in: block).flatMap(UTCTime.init(iso8601:)) else {
            throw AWSError(service: AWSService.sts.rawValue, operation: operation, httpStatus: 200, code: "InvalidResponse",
                           message: "the response holds no complete Credentials", requestID: XMLText.value(of: "RequestId", in: xml))
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}

/// One AssumeRole call's parameters, as a role profile sets them.
struct AssumeRoleRequest: Sendable, Equatable {
    var roleARN: String
    var sessionName: String
    var externalID: String?
    var durationSeconds: Int?
}
