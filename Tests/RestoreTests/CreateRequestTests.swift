@testable import Backup
@testable import Restore
import JSON
import Testing

struct CreateRequestTests {
    @Test func createUserPoolKeepsSettingsAndDropsWhatCognitoAssigns() {
        let request = CreateRequest.userPool(Recorded.sourcePool, name: "restored", mfaSetSeparately: true, restoreID: "r-1")
        #expect(request["PoolName"] == "restored")
        #expect(request["Policies"] == Recorded.sourcePool["Policies"])
        #expect(request["UserPoolTags"] == ["team": "identity", "cognito-backup:restore-id": "r-1"])
        for assigned in ["Id", "Arn", "Status", "CreationDate", "LastModifiedDate", "EstimatedNumberOfUsers", "Domain", "CustomDomain", "SchemaAttributes"] {
            #expect(request[assigned] == nil, "\(assigned)")
        }
    }

    @Test func createUserPoolDeclaresCustomAttributesByBareNameAndOnlyChangedStandardOnes() {
        let schema = CreateRequest.userPool(Recorded.sourcePool, name: "p", mfaSetSeparately: true, restoreID: "r-1")["Schema"]?.array ?? []
        #expect(schema.compactMap { $0["Name"]?.string } == ["email", "tenant", "score"])
        let score = schema.first { $0["Name"] == "score" }
        #expect(score?["DeveloperOnlyAttribute"] == true)
        #expect(schema.first { $0["Name"] == "tenant" }?["Mutable"] == false)
    }

    @Test func createUserPoolLeavesTriggersForAfterTheUsers() {
        let request = CreateRequest.userPool(Recorded.sourcePool, name: "p", mfaSetSeparately: true, restoreID: "r-1")
        #expect(request["LambdaConfig"] == nil)
        let attach = CreateRequest.attachTriggers(Recorded.sourcePool, poolID: "eu-west-1_New", restoreID: "r-1", currentMFA: "ON")
        #expect(attach["LambdaConfig"] == Recorded.sourcePool["LambdaConfig"])
        // Omitted, UpdateUserPool would turn MFA off until SetUserPoolMfaConfig runs.
        #expect(attach["MfaConfiguration"] == "ON")
        #expect(attach["UserPoolId"] == "eu-west-1_New")
        // UpdateUserPool resets what it is not given.
        #expect(attach["Policies"] == Recorded.sourcePool["Policies"])
        #expect(attach["AutoVerifiedAttributes"] == ["email"])
        #expect(attach["UsernameConfiguration"] == nil)
    }

    @Test func createUserPoolSaysEachSettingOnce() {
        let request = CreateRequest.userPool(Recorded.sourcePool, name: "p", mfaSetSeparately: true, restoreID: "r-1")
        #expect(request["EmailVerificationMessage"] == nil)
        #expect(request["VerificationMessageTemplate"] != nil)
        #expect(request["AdminCreateUserConfig"] == ["AllowAdminCreateUserOnly": true])
    }

    @Test func mfaIsSetSeparatelyWhenTheBackupHasItsConfiguration() {
        #expect(CreateRequest.userPool(Recorded.sourcePool, name: "p", mfaSetSeparately: true, restoreID: "r-1")["MfaConfiguration"] == "OFF")
        #expect(CreateRequest.userPool(Recorded.sourcePool, name: "p", mfaSetSeparately: false, restoreID: "r-1")["MfaConfiguration"] == "OPTIONAL")
    }

    @Test func appClientKeepsItsSecretAndSettingsButNotItsIdOrDates() throws {
        let client = try BackupContents(reading: Recorded.backup()).appClients[0]
        let request = CreateRequest.appClient(client, poolID: "eu-west-1_New")
        #expect(request["ClientSecret"] == "1t3pb0h5lq8example0secret4n0x7kvd2c9r6ffmhkq" && request["GenerateSecret"] == nil)
        #expect(request["AllowedOAuthScopes"] == ["openid", "orders/read"])
        #expect(request["UserPoolId"] == "eu-west-1_New")
        #expect(request["ClientId"] == nil && request["CreationDate"] == nil)
    }

    @Test func samlProviderDropsTheGeneratedCertificateAndTheFetchedMetadata() throws {
        let provider = try BackupContents(reading: Recorded.backup()).identityProviders[0]
        let details = CreateRequest.identityProvider(provider, poolID: "p")["ProviderDetails"]
        #expect(details == ["MetadataURL": "https://idp.example.com/md", "IDPSignout": "false"])
    }

    @Test func brandingKeepsSettingsAndAssetsButNotItsIdOrDates() {
        let request = CreateRequest.managedLoginBranding(Recorded.branding, poolID: "eu-west-1_New", clientID: "new-web")
        #expect(request == ["UserPoolId": "eu-west-1_New", "ClientId": "new-web",
                            "Settings": Recorded.branding["Settings"]!, "Assets": Recorded.branding["Assets"]!])
    }

    @Test func cognitoProvidedBrandingIsAskedForByTheFlagAlone() {
        // DescribeManagedLoginBrandingByClient may still report settings for such a style; Cognito
        // refuses Settings or Assets beside the flag.
        var saved = Recorded.branding.object!
        saved["UseCognitoProvidedValues"] = true
        let request = CreateRequest.managedLoginBranding(.object(saved), poolID: "eu-west-1_New", clientID: "new-web")
        #expect(request == ["UserPoolId": "eu-west-1_New", "ClientId": "new-web", "UseCognitoProvidedValues": true])
    }

    @Test func termsNameTheNewClientAndDropTheirIdAndDates() {
        let request = CreateRequest.terms(Recorded.terms("privacy-policy"), poolID: "eu-west-1_New", clientID: "new-web")
        #expect(request == ["UserPoolId": "eu-west-1_New", "ClientId": "new-web", "TermsName": "privacy-policy", "TermsSource": "LINK",
                            "Enforcement": "NONE", "Links": Recorded.terms("privacy-policy")["Links"]!])
    }

    @Test func adminCreateUserSuppressesTheInvitationAndNeverSendsSub() {
        let user = PoolUser(Recorded.user("alice", sub: "a-1", extra: [("identities", "[]")]))!
        let request = CreateRequest.user(user, username: "alice", poolID: "p", inviteBy: [])
        #expect(request["MessageAction"] == "SUPPRESS")
        let names = request["UserAttributes"]?.array?.compactMap { $0["Name"]?.string }
        #expect(names == ["email", "email_verified", "custom:tenant"])
    }

    @Test func invitationGoesByEmailWhenTheUserHasOne() {
        let user = PoolUser(Recorded.user("alice", sub: "a-1"))!
        let request = CreateRequest.user(user, username: "alice", poolID: "p", inviteBy: ["EMAIL", "SMS"])
        #expect(request["MessageAction"] == nil)
        #expect(request["DesiredDeliveryMediums"] == ["EMAIL"])
    }

    @Test func invitationGoesByEmailOnlyWhenThePoolCannotText() {
        let user = PoolUser(Recorded.user("alice", sub: "a-1", extra: [("phone_number", "+15550100")]))!
        #expect(CreateRequest.user(user, username: "alice", poolID: "p", inviteBy: ["EMAIL"])["DesiredDeliveryMediums"] == ["EMAIL"])
        #expect(CreateRequest.user(user, username: "alice", poolID: "p", inviteBy: ["EMAIL", "SMS"])["DesiredDeliveryMediums"] == ["EMAIL", "SMS"])
    }

    @Test(arguments: ["s3cr3t", "1ff47c05-6954-4a0e-956b-b447a541fa03"])
    func secretCognitoWouldRefuseIsReplacedByAGeneratedOne(secret: String) {
        let request = CreateRequest.appClient(["ClientName": "web", "ClientSecret": .string(secret)], poolID: "p")
        #expect(request["ClientSecret"] == nil && request["GenerateSecret"] == true && CreateRequest.secretReplaced(request))
    }
}
