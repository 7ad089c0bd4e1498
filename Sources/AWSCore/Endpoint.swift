/// The AWS services this tool calls, with what their endpoints and signatures need.
public enum AWSService: String, Sendable {
    case cognitoIdentityProvider = "cognito-idp"
    case s3
    case dynamodb
    /// CloudWatch Logs, where a user import job writes one line per user.
    case logs
    /// Step Functions: an event-triggered backup too large for one invocation starts the state machine.
    case stepFunctions = "states"
    /// Lambda: `status` reads the deployed function's configuration, its policy.
    case lambda
    /// Only for credentials: a role profile's AssumeRole, a web identity token's exchange.
    case sts
    /// IAM Identity Center's portal, whose calls are unsigned (an SSO token is their proof).
    case ssoPortal = "sso"

    public var signingName: String { rawValue }

    /// The first labels of the service's hostname in a region.
    var hostPrefix: String { self == .ssoPortal ? "portal.sso" : rawValue }

    /// The suffix of the service's `AWS_ENDPOINT_URL_<ID>` variable, from its SDK service id.
    var endpointVariableSuffix: String {
        switch self {
        case .cognitoIdentityProvider: return "COGNITO_IDENTITY_PROVIDER"
        case .s3: return "S3"
        case .dynamodb: return "DYNAMODB"
        case .logs: return "CLOUDWATCH_LOGS"
        case .stepFunctions: return "SFN"
        case .lambda: return "LAMBDA"
        case .sts: return "STS"
        case .ssoPortal: return "SSO"
        }
    }
}

/// Where a service's requests go: AWS's own hostname for the region, or an endpoint a user named
/// through the SDKs' `AWS_ENDPOINT_URL` convention (a local emulator, a VPC endpoint).
public struct Endpoint: Sendable, Equatable {
    /// `https://host[:port]` with any base path, no trailing slash.
    public let baseURL: String
    /// True for AWS's hostnames; a custom endpoint takes S3 bucket names in the path.
    public let isAWSHost: Bool
    /// The region requests here are signed for, when it is not the client's: an S3 bucket's.
    public let signingRegion: String?
    // The parts of `baseURL` below are taken apart once, not for every request that needs them.
    /// The host (and port) part, for the signed `Host` header.
    public let host: String
    /// The path part of the base URL ("" when there is none).
    public let basePath: String
    public let scheme: String

    public init(baseURL: String, isAWSHost: Bool, signingRegion: String? = nil) {
        self.baseURL = baseURL
        self.isAWSHost = isAWSHost
        self.signingRegion = signingRegion
        var rest = Substring(baseURL)
        // By bytes: StringProcessing's firstRange costs more than the rest of the endpoint, which
        // a service client resolves for every call.
        let bytes = rest.utf8
        if let scheme = bytes.indices.first(where: { bytes[$0...].starts(with: "://".utf8) }) {
            rest = rest[bytes.index(scheme, offsetBy: 3)...]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        host = String(rest[..<slash])
        basePath = String(rest[slash...])
        scheme = baseURL.hasPrefix("http://") ? "http" : "https"
    }

    public static func resolve(_ service: AWSService, region: String, environment: [String: String],
                               override: String? = nil) -> Endpoint {
        let configured = override ?? environment["AWS_ENDPOINT_URL_\(service.endpointVariableSuffix)"] ?? environment["AWS_ENDPOINT_URL"]
        if let configured, !configured.isEmpty {
            var url = configured
            while url.hasSuffix("/") { url.removeLast() }
            return Endpoint(baseURL: url, isAWSHost: false)
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return Endpoint(baseURL: "https://\(service.hostPrefix).\(region).\(suffix)", isAWSHost: true)
    }

    /// This endpoint for a resource that lives in `region` (an S3 bucket in another region than
    /// the client's): AWS's host for that region, or the same custom host, signed for `region`.
    public func relocated(to region: String, for service: AWSService) -> Endpoint {
        let base = isAWSHost ? Self.resolve(service, region: region, environment: [:]).baseURL : baseURL
        return Endpoint(baseURL: base, isAWSHost: isAWSHost, signingRegion: region)
    }
}
