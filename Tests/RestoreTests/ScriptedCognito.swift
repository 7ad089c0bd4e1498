@testable import Restore
import AWSCore
import AWSServices
import JSON
import Synchronization

/// Cognito answering from a script, remembering every call in order.
final class ScriptedCognito: CognitoAPI {
    typealias Script = @Sendable (String, JSON) throws -> JSON?
    private let recorded = Mutex<[(operation: String, input: JSON)]>([])
    private let script: Script

    /// `script` answers what it knows (nil for the rest); the rest is an empty target pool.
    init(_ script: @escaping Script = { _, _ in nil }) { self.script = script }

    func call(_ operation: String, _ input: JSON) async throws -> JSON {
        recorded.withLock { $0.append((operation, input)) }
        if let answer = try script(operation, input) { return answer }
        return try emptyPool(operation, input)
    }

    /// The same script, but the first call of `operation` fails with `error` after it was done.
    func failingFirst(_ operation: String, with error: AWSError) -> ScriptedCognito {
        let failed = Mutex(false)
        let script = self.script
        return ScriptedCognito { called, input in
            let answer = try script(called, input)
            if called == operation, failed.withLock({ let first = !$0; $0 = true; return first }) { throw error }
            return answer
        }
    }

    var calls: [(operation: String, input: JSON)] { recorded.withLock { $0 } }
    var operations: [String] { calls.map(\.operation) }
    func calls(_ operation: String) -> [JSON] { recorded.withLock { $0.filter { $0.operation == operation }.map(\.input) } }
    /// Calls that change the target, in order.
    var writes: [String] { operations.filter { !["Describe", "List", "Get"].contains(where: $0.hasPrefix) && $0 != "AdminGetUser" } }

    static func error(_ code: String, _ status: Int = 400) -> AWSError {
        AWSError(service: "cognito-idp", operation: "test", httpStatus: status, code: code, message: "scripted \(code)", requestID: "req-1")
    }

    /// A pool with nothing in it but the groups and providers created in it, answering as Cognito
    /// does (a client without a branding style is ResourceNotFoundException).
    func emptyPool(_ operation: String, _ input: JSON) throws -> JSON {
        switch operation {
        case "DescribeUserPool": return ["UserPool": Recorded.targetPool]
        case "ListUsers": return ["Users": []]
        case "ListUsersInGroup": return ["Users": []]
        case "ListGroups": return ["Groups": .array(calls("CreateGroup"))]
        case "ListUserPoolClients": return ["UserPoolClients": []]
        case "ListIdentityProviders": return ["Providers": .array(calls("CreateIdentityProvider"))]
        case "ListResourceServers": return ["ResourceServers": []]
        case "ListTerms": return ["Terms": []]
        case "DescribeManagedLoginBrandingByClient":
            throw AWSError(service: "cognito-idp", operation: operation, httpStatus: 400, code: "ResourceNotFoundException",
                           message: "Managed login branding for client \(input["ClientId"]?.string ?? "") does not exist.", requestID: "req-2")
        case "CreateUserPool": return ["UserPool": ["Id": "eu-west-1_NewP00l01", "Name": input["PoolName"] ?? "x"]]
        case "CreateUserPoolClient":
            return ["UserPoolClient": ["ClientId": .string("new-" + (input["ClientName"]?.string ?? "")), "ClientName": input["ClientName"] ?? ""]]
        case "AdminCreateUser": return Recorded.adminCreateUser(input)
        default: return [:]
        }
    }
}

/// Real-shaped Cognito documents (from DescribeUserPool, ListUsers, AdminCreateUser answers).
enum Recorded {
    static let sourcePool: JSON = try! JSON(parsing: """
        {"Id":"eu-west-1_Rec0rded1","Name":"customers","Arn":"arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_Rec0rded1",
         "Status":"Enabled","CreationDate":1.700000000123E9,"LastModifiedDate":1.731927305379E9,"EstimatedNumberOfUsers":3,
         "Policies":{"PasswordPolicy":{"MinimumLength":12,"RequireUppercase":true,"RequireLowercase":true,"RequireNumbers":true,
           "RequireSymbols":true,"PasswordHistorySize":3,"TemporaryPasswordValidityDays":7},"SignInPolicy":{"AllowedFirstAuthFactors":["PASSWORD"]}},
         "DeletionProtection":"ACTIVE",
         "LambdaConfig":{"PreSignUp":"arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up","CustomMessage":"arn:aws:lambda:eu-west-1:111122223333:function:messages"},
         "SchemaAttributes":[
           {"Name":"sub","AttributeDataType":"String","DeveloperOnlyAttribute":false,"Mutable":false,"Required":true,"StringAttributeConstraints":{"MinLength":"1","MaxLength":"2048"}},
           {"Name":"email","AttributeDataType":"String","DeveloperOnlyAttribute":false,"Mutable":true,"Required":true,"StringAttributeConstraints":{"MinLength":"0","MaxLength":"2048"}},
           {"Name":"email_verified","AttributeDataType":"Boolean","DeveloperOnlyAttribute":false,"Mutable":true,"Required":false},
           {"Name":"identities","AttributeDataType":"String","DeveloperOnlyAttribute":false,"Mutable":true,"Required":false,"StringAttributeConstraints":{}},
           {"Name":"custom:tenant","AttributeDataType":"String","DeveloperOnlyAttribute":false,"Mutable":false,"Required":false,"StringAttributeConstraints":{"MinLength":"1","MaxLength":"36"}},
           {"Name":"dev:custom:score","AttributeDataType":"Number","DeveloperOnlyAttribute":true,"Mutable":true,"Required":false,"NumberAttributeConstraints":{"MinValue":"0"}}],
         "AutoVerifiedAttributes":["email"],"UsernameConfiguration":{"CaseSensitive":false},
         "SmsVerificationMessage":"Your code is {####}","EmailVerificationMessage":"Your code is {####}","EmailVerificationSubject":"Your code",
         "VerificationMessageTemplate":{"SmsMessage":"Your code is {####}","EmailMessage":"Your code is {####}","EmailSubject":"Your code","DefaultEmailOption":"CONFIRM_WITH_CODE"},
         "MfaConfiguration":"OPTIONAL","EmailConfiguration":{"EmailSendingAccount":"COGNITO_DEFAULT"},
         "UserPoolTags":{"team":"identity"},"Domain":"customers-auth","CustomDomain":"auth.example.com",
         "AdminCreateUserConfig":{"AllowAdminCreateUserOnly":true,"UnusedAccountValidityDays":7},
         "AccountRecoverySetting":{"RecoveryMechanisms":[{"Priority":1,"Name":"verified_email"}]},"UserPoolTier":"ESSENTIALS"}
        """)

    /// An existing pool with the same schema and nothing else.
    static var targetPool: JSON {
        var pool = sourcePool.object!
        pool["Id"] = "eu-west-1_Targ3tP00"
        pool["Domain"] = nil
        pool["CustomDomain"] = nil
        pool["LambdaConfig"] = [:]
        return .object(pool)
    }

    static func user(_ username: String, sub: String, enabled: Bool = true, status: String = "CONFIRMED",
                     extra: [(String, String)] = []) -> JSON {
        var attributes: [JSON] = [["Name": "sub", "Value": .string(sub)], ["Name": "email", "Value": .string("\(username)@example.com")],
                                  ["Name": "email_verified", "Value": "true"], ["Name": "custom:tenant", "Value": "t-1"]]
        attributes += extra.map { ["Name": .string($0.0), "Value": .string($0.1)] }
        return ["Username": .string(username), "Attributes": .array(attributes), "UserCreateDate": .number("1.700000100E9"),
                "UserLastModifiedDate": .number("1.700000100E9"), "Enabled": .bool(enabled), "UserStatus": .string(status)]
    }

    /// AdminCreateUser's answer: the user as given, with a `sub` Cognito picked.
    static func adminCreateUser(_ input: JSON) -> JSON {
        let username = input["Username"]?.string ?? ""
        var attributes = input["UserAttributes"]?.array ?? []
        attributes.append(["Name": "sub", "Value": .string("new-sub-" + username)])
        return ["User": ["Username": .string(username), "Attributes": .array(attributes), "UserCreateDate": .number("1.731927305E9"),
                         "UserLastModifiedDate": .number("1.731927305E9"), "Enabled": true, "UserStatus": "FORCE_CHANGE_PASSWORD"]]
    }

    /// DescribeManagedLoginBrandingByClient's `ManagedLoginBranding`: a customized style with a logo.
    static let branding: JSON = try! JSON(parsing: """
        {"ManagedLoginBrandingId":"6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","UserPoolId":"eu-west-1_Rec0rded1",
         "UseCognitoProvidedValues":false,
         "Settings":{"components":{"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"0972d3ff","textColor":"ffffffff"}}},
                     "pageBackground":{"image":{"enabled":true}}},
                     "categories":{"global":{"colorSchemeMode":"LIGHT","spacingDensity":"REGULAR"}}},
         "Assets":[{"Category":"PAGE_HEADER_LOGO","ColorMode":"LIGHT","Extension":"PNG","Bytes":"iVBORw0KGgoAAAANSUhEUg=="},
                   {"Category":"FAVICON_ICO","ColorMode":"DYNAMIC","Extension":"ICO","Bytes":"AAABAAEAEBA="}],
         "CreationDate":1.731927305379E9,"LastModifiedDate":1.731927305379E9}
        """)

    /// DescribeTerms' `Terms` for the backup's web client.
    static func terms(_ name: String, clientID: String = "5r2ktv9ha0example1", link: String = "https://example.com/legal") -> JSON {
        ["TermsId": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "UserPoolId": "eu-west-1_Rec0rded1", "ClientId": .string(clientID),
         "TermsName": .string(name), "TermsSource": "LINK", "Enforcement": "NONE",
         "Links": ["cognito:default": .string("\(link)/\(name)"), "cognito:french": .string("\(link)/fr/\(name)")],
         "CreationDate": .number("1.7E9"), "LastModifiedDate": .number("1.7E9")]
    }

    /// A backup of `sourcePool` as the backup engine writes it.
    static func backup(users: [JSON] = [user("alice", sub: "a-1"), user("bob", sub: "b-2", enabled: false)],
                       memberships: [(String, [String])] = [("admins", ["alice"]), ("staff", ["alice", "bob"])],
                       extra: [(String, JSON)] = []) -> [UInt8] {
        var document: JSONObject = [
            "format_version": 2, "timestamp": "2024-11-18T10:15:05.379Z", "user_pool_id": "eu-west-1_Rec0rded1",
            "user_pool_config": sourcePool,
            "mfa_config": ["MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": ["Enabled": true]],
            "app_clients": [["UserPoolId": "eu-west-1_Rec0rded1", "ClientName": "web", "ClientId": "5r2ktv9ha0example1",
                             "ClientSecret": "1t3pb0h5lq8example0secret4n0x7kvd2c9r6ffmhkq", "CreationDate": .number("1.7E9"), "LastModifiedDate": .number("1.7E9"),
                             "RefreshTokenValidity": 30, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "orders/read"],
                             "SupportedIdentityProviders": ["COGNITO", "Corp"], "CallbackURLs": ["https://app.example.com/cb"]]],
            "identity_providers": [["UserPoolId": "eu-west-1_Rec0rded1", "ProviderName": "Corp", "ProviderType": "SAML",
                                    "ProviderDetails": ["MetadataURL": "https://idp.example.com/md", "MetadataFile": "<EntityDescriptor/>",
                                                        "ActiveEncryptionCertificate": "MIIC...", "IDPSignout": "false"],
                                    "AttributeMapping": ["email": "mail"], "IdpIdentifiers": [],
                                    "LastModifiedDate": .number("1.7E9"), "CreationDate": .number("1.7E9")]],
            "resource_servers": [["UserPoolId": "eu-west-1_Rec0rded1", "Identifier": "orders", "Name": "Orders",
                                  "Scopes": [["ScopeName": "read", "ScopeDescription": "Read orders"]]]],
            "user_pool_domain": ["domain": ["Domain": "customers-auth", "Status": "ACTIVE", "ManagedLoginVersion": 2], "custom_domain": nil],
            "ui_customization": ["pool": nil, "clients": [:]],
            "risk_configuration": ["pool": nil, "clients": [:]],
            "managed_login_branding": ["5r2ktv9ha0example1": nil],
            "terms": [],
            "groups": [["GroupName": "admins", "Precedence": 1, "RoleArn": "arn:aws:iam::111122223333:role/admins",
                        "UserPoolId": "eu-west-1_Rec0rded1", "CreationDate": .number("1.7E9")],
                       ["GroupName": "staff", "Description": "Everyone"]],
            "users": .array(users),
            "group_memberships": .object(memberships.map { ($0.0, .array($0.1.map(JSON.string))) }),
            "warnings": [],
        ]
        for (key, value) in extra { document[key] = value }
        return JSON.object(document).serializedBytes
    }
}

/// A mapping store in memory.
final class MemoryMappings: MappingStore {
    private let stored: Mutex<RestoreMapping?>
    init(_ initial: RestoreMapping? = nil) { stored = Mutex(initial) }
    func load() async throws -> RestoreMapping? { stored.withLock { $0 } }
    func save(_ mapping: RestoreMapping) async throws { stored.withLock { $0 = mapping } }
    var current: RestoreMapping? { stored.withLock { $0 } }
}
