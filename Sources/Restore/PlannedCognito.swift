import AWSCore
import AWSServices
import JSON
import Synchronization

/// Cognito as a restore plan sees it: reads go to the real target, writes are counted and
/// answered as Cognito would answer them had it accepted them, and never sent. What the plan
/// creates (a pool, app clients) is read back as new and empty. So the restore's own code
/// decides what it would do, and the plan is that decision, counted.
final class PlannedCognito: CognitoAPI {
    private let target: any CognitoAPI
    private let region: String

    private struct State {
        /// The pool CreateUserPool would make, as DescribeUserPool would describe it.
        var pool: JSONObject?
        var clients = 0
        var users = 0
        /// What the plan created, by the list operation that would show it, as that list shows it.
        var listed: [String: [JSON]] = [:]
        var calls: [String: Int] = [:]
        var writes: [String: Int] = [:]
    }

    private let state = Mutex(State())

    init(target: any CognitoAPI, region: String) {
        self.target = target
        self.region = region
    }

    /// Every call the restore would make, by operation: reads made, writes planned.
    var calls: [String: Int] { state.withLock { $0.calls } }
    var writes: [String: Int] { state.withLock { $0.writes } }

    var plannedPoolID: String { "\(region)_PlannedPool" }
    static let plannedClientPrefix = "planned-client-"

    func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
        try RawJSONObject(validating: try await call(operation, input).serializedBytes)
    }

    func call(_ operation: String, _ input: JSON) async throws -> JSON {
        state.withLock { $0.calls[operation, default: 0] += 1 }
        guard Self.isRead(operation) else {
            state.withLock { $0.writes[operation, default: 0] += 1 }
            return try await planned(operation, input)
        }
        let plannedPool = input["UserPoolId"]?.string == plannedPoolID
        if plannedPool || input["ClientId"]?.string?.hasPrefix(Self.plannedClientPrefix) == true, let nothing = Self.nothingSet(operation, input) {
            return nothing
        }
        if input["ClientId"]?.string?.hasPrefix(Self.plannedClientPrefix) == true, !operation.hasPrefix("List") {
            throw Self.notFound(operation, "the app client would be created by this restore")
        }
        let answer = plannedPool ? try plannedPoolRead(operation) : try await target.call(operation, input)
        return withCreated(operation, answer)
    }

    /// A list's last page, with what the plan created appended, as the real list would show it
    /// once the restore had created it.
    private func withCreated(_ operation: String, _ answer: JSON) -> JSON {
        guard let items = CognitoPagination.lists[operation]?.items, answer[CognitoPagination.tokenName(operation)]?.string == nil,
              let created = state.withLock({ $0.listed[operation] }), var page = answer.object else { return answer }
        page[items] = .array((answer[items]?.array ?? []) + created)
        return .object(page)
    }

    private func list(_ item: JSON, in operation: String) {
        state.withLock { $0.listed[operation, default: []].append(item) }
    }

    static func isRead(_ operation: String) -> Bool {
        ["List", "Describe", "Get"].contains { operation.hasPrefix($0) } || operation == "AdminGetUser" || operation == "AdminListGroupsForUser"
    }

    /// How Cognito answers the read of a setting a pool or client has never been given, for a
    /// pool or client the plan would create.
    private static func nothingSet(_ operation: String, _ input: JSON) -> JSON? {
        let pool = input["UserPoolId"] ?? .null
        switch operation {
        case "GetUICustomization": return ["UICustomization": ["UserPoolId": pool, "ClientId": input["ClientId"] ?? "ALL"]]
        case "DescribeRiskConfiguration": return ["RiskConfiguration": ["UserPoolId": pool]]
        case "GetLogDeliveryConfiguration": return ["LogDeliveryConfiguration": ["UserPoolId": pool, "LogConfigurations": []]]
        default: return nil
        }
    }

    /// The pool the plan would create holds nothing but what it was created with.
    private func plannedPoolRead(_ operation: String) throws -> JSON {
        if operation == "DescribeUserPool" { return ["UserPool": .object(state.withLock { $0.pool } ?? JSONObject())] }
        if operation == "GetUserPoolMfaConfig" { return ["MfaConfiguration": state.withLock { $0.pool?["MfaConfiguration"] } ?? "OFF"] }
        if operation.hasPrefix("List") { return [:] }
        if operation == "GetCSVHeader" { return ["CSVHeader": .array(plannedCSVHeader.map(JSON.string))] }
        throw Self.notFound(operation, "the pool would be created by this restore")
    }

    /// GetCSVHeader of the pool CreateUserPool would make: Cognito's standard columns, then the
    /// custom attributes its `Schema` declares by bare name (developer-only ones are no column;
    /// standard ones appear there only when required or immutable).
    private var plannedCSVHeader: [String] {
        let schema = state.withLock { $0.pool?["Schema"]?.array } ?? []
        let custom = schema.compactMap { entry -> String? in
            guard let name = entry["Name"]?.string, entry["DeveloperOnlyAttribute"]?.bool != true,
                  !Self.standardCSVColumns.contains(name), !CreateRequest.unschematicAttributes.contains(name) else { return nil }
            return "custom:\(name)"
        }
        return Self.standardCSVColumns + custom
    }

    /// The columns GetCSVHeader gives every pool, in its order.
    static let standardCSVColumns = [
        "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
        "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
        "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username",
    ]

    /// What Cognito answers a write it accepts, in the members the restore reads from it.
    private func planned(_ operation: String, _ input: JSON) async throws -> JSON {
        var echoed = input.object ?? JSONObject()
        switch operation {
        case "CreateUserPool":
            echoed["Id"] = .string(plannedPoolID)
            echoed["Name"] = input["PoolName"]
            state.withLock { $0.pool = echoed }
            return ["UserPool": .object(echoed)]
        case "UpdateUserPool" where input["UserPoolId"]?.string == plannedPoolID:
            state.withLock { state in for member in echoed.members { state.pool?[member.key] = member.value } }
            return [:]
        case "CreateUserPoolClient":
            let number = state.withLock { state in state.clients += 1; return state.clients }
            echoed["ClientId"] = .string("\(Self.plannedClientPrefix)\(number)")
            if input["GenerateSecret"]?.bool == true, echoed["ClientSecret"] == nil { echoed["ClientSecret"] = "planned-secret" }
            list(["ClientId": echoed["ClientId"] ?? .null, "ClientName": input["ClientName"] ?? .null, "UserPoolId": input["UserPoolId"] ?? .null],
                 in: "ListUserPoolClients")
            return ["UserPoolClient": .object(echoed)]
        case "AdminCreateUser":
            let number = state.withLock { state in state.users += 1; return state.users }
            let attributes = (input["UserAttributes"]?.array ?? []) + [["Name": "sub", "Value": .string("planned-sub-\(number)")]]
            return ["User": ["Username": input["Username"] ?? .null, "Attributes": .array(attributes), "Enabled": true,
                             "UserStatus": "FORCE_CHANGE_PASSWORD"]]
        case "CreateUserPoolDomain":
            try await refuseHeldDomain(input["Domain"]?.string ?? "")
            return [:]
        case "CreateGroup":
            list(input, in: "ListGroups")
            return ["Group": .object(echoed)]
        case "CreateIdentityProvider":
            list(["ProviderName": input["ProviderName"] ?? .null, "ProviderType": input["ProviderType"] ?? .null], in: "ListIdentityProviders")
            return ["IdentityProvider": .object(echoed)]
        case "CreateResourceServer":
            list(input, in: "ListResourceServers")
            return ["ResourceServer": .object(echoed)]
        case "CreateManagedLoginBranding": return ["ManagedLoginBranding": .object(echoed)]
        case "CreateTerms": return ["Terms": .object(echoed)]
        default: return [:]
        }
    }

    /// Domain prefixes are global: one another pool holds would be refused, as Cognito refuses it.
    private func refuseHeldDomain(_ prefix: String) async throws {
        let described: JSON
        do {
            described = try await target.call("DescribeUserPoolDomain", ["Domain": .string(prefix)])
        } catch {
            // An identity that may not look the prefix up plans as the restore runs: it will learn when it asks.
            return
        }
        guard let holder = described["DomainDescription"]?["UserPoolId"]?.string, !holder.isEmpty else { return }
        throw AWSError(service: "cognito-idp", operation: "CreateUserPoolDomain", httpStatus: 400, code: "InvalidParameterException",
                       message: "Domain \(prefix) is held by pool \(holder)", requestID: nil)
    }

    private static func notFound(_ operation: String, _ why: String) -> AWSError {
        AWSError(service: "cognito-idp", operation: operation, httpStatus: 400, code: "ResourceNotFoundException", message: why, requestID: nil)
    }
}
