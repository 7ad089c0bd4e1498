import AWSCore
import JSON

/// Lambda over REST-JSON: only what `status` reads of the deployed backup function, its
/// configuration, whose environment is the protection policy the function runs by.
public final class Lambda: Sendable {
    private let aws: AWSClient
    private let retry: RetryPolicy

    public init(aws: AWSClient, retry: RetryPolicy = .standard) {
        self.aws = aws
        self.retry = retry
    }

    /// A function as a person names it: `name`, `name:qualifier`, or its ARN
    /// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
    public struct FunctionName: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        /// A version or alias; nil for `$LATEST`.
        public let qualifier: String?
        /// From an ARN; nil: the client's region and the credentials' account.
        public let region: String?
        public let account: String?
        public let description: String

        /// nil for text that is neither a function name nor a function's ARN.
        public init?(_ text: String) {
            func isName(_ part: Substring, max: Int) -> Bool {
                !part.isEmpty && part.count <= max && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            let nameParts: ArraySlice<Substring>
            if parts.first == "arn" {
                guard parts.count == 7 || parts.count == 8, parts[1].hasPrefix("aws"), parts[2] == "lambda", parts[5] == "function",
                      !parts[3].isEmpty, parts[4].count == 12, parts[4].allSatisfy(\.isNumber) else { return nil }
                region = String(parts[3])
                account = String(parts[4])
                nameParts = parts[6...]
            } else {
                guard parts.count <= 2 else { return nil }
                region = nil
                account = nil
                nameParts = parts[...]
            }
            guard let first = nameParts.first, isName(first, max: 64) else { return nil }
            let qualifier = nameParts.dropFirst().first
            if let qualifier, !(qualifier == "$LATEST" || isName(qualifier, max: 128)) { return nil }
            name = String(first)
            self.qualifier = qualifier.flatMap { $0 == "$LATEST" ? nil : String($0) }
            description = text
        }
    }

    public struct FunctionConfiguration: Sendable {
        public let arn: String
        /// `Environment.Variables`: empty when the function sets none.
        public let variables: [String: String]
    }

    /// The function's configuration (GetFunctionConfiguration). The function goes in the path by
    /// name, its qualifier as `Qualifier` and its region as the endpoint's: an ARN's colons would
    /// be percent-encoded in the path, which SigV4 signs encoded once more for every service but
    /// S3, where this client signs the path as given. Throws `WrongAccount` when an ARN names
    /// another account than the one whose function of that name answered.
    public func functionConfiguration(_ function: FunctionName) async throws -> FunctionConfiguration {
        var endpoint = aws.endpoint(for: .lambda)
        if let region = function.region, region != aws.region { endpoint = endpoint.relocated(to: region, for: .lambda) }
        let call = ServiceCall(service: .lambda, operation: "GetFunctionConfiguration", method: "GET",
                               path: "/2015-03-31/functions/\(function.name)/configuration",
                               query: function.qualifier.map { [("Qualifier", $0)] } ?? [])
        let response = try await aws.perform(call, endpoint: endpoint, retry: retry, limiters: [],
                                             decodeError: JSONProtocolClient.decodeError)
        let answer: JSON
        do { answer = try JSON(parsing: response.body) } catch {
            throw AWSError(service: "lambda", operation: "GetFunctionConfiguration", httpStatus: response.status, code: "InvalidResponse",
                           message: "unreadable response: \(error)", requestID: response.header("x-amzn-requestid"))
        }
        let arn = answer["FunctionArn"]?.string ?? ""
        if let account = function.account, arn.split(separator: ":").dropFirst(4).first.map(String.init) != account {
            throw WrongAccount(named: function.description, answered: arn)
        }
        // Lambda answers an environment it cannot decrypt for the caller with an Error in place of the variables.
        if let error = answer["Environment"]?["Error"], answer["Environment"]?["Variables"] == nil {
            throw AWSError(service: "lambda", operation: "GetFunctionConfiguration", httpStatus: response.status,
                           code: error["ErrorCode"]?.string ?? "EnvironmentError",
                           message: "the environment of \(arn) cannot be read: \(error["Message"]?.string ?? "")",
                           requestID: response.header("x-amzn-requestid"))
        }
        var variables: [String: String] = [:]
        for member in answer["Environment"]?["Variables"]?.object?.members ?? [] {
            if let text = member.value.string { variables[member.key] = text }
        }
        return FunctionConfiguration(arn: arn, variables: variables)
    }

    /// The ARN named a function of another account: the credentials' account has one of that name.
    public struct WrongAccount: Error, CustomStringConvertible {
        public let named: String
        public let answered: String

        public var description: String {
            "\(named) is in another account than the credentials' (their function of that name is \(answered)): "
                + "run with credentials of the function's account"
        }
    }
}
