import Backup
import Compare
import JSON

extension Restoration {
    /// What this restore writes of each item (`CreateRequest`): a backup compared with a pool it
    /// was restored into sees the rest as not carried. `triggers`: false after `--skip-triggers`;
    /// `clients`: the mapping's backup client id → restored id.
    public static func restore(triggers: Bool, clients: [String: String] = [:]) -> Restoration {
        Restoration(clients: clients) { kind, name, item in
            switch kind {
            case .settings:
                var settings = CreateRequest.pick(PoolVerifier.settingGroups.flatMap(\.keys) + (triggers ? ["LambdaConfig"] : []), from: item)
                CreateRequest.dropDeprecatedDuplicates(&settings)
                // The tag a restore puts on the pool it creates, to find it again: not the backup's setting.
                if var tags = settings["UserPoolTags"]?.object {
                    tags[RestoreMapping.tagKey] = nil
                    settings["UserPoolTags"] = .object(tags)
                }
                return .object(settings)
            case .schema:
                // Custom attributes and the standard ones a pool can change (required, immutable).
                guard CreateRequest.schemaEntry(item) != nil else { return nil }
                return .object(CreateRequest.pick(["AttributeDataType", "Mutable", "Required", "DeveloperOnlyAttribute",
                                                   "StringAttributeConstraints", "NumberAttributeConstraints"], from: item))
            case .mfaConfiguration:
                return .object(CreateRequest.pick(["SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration",
                                                   "MfaConfiguration", "WebAuthnConfiguration"], from: item))
            case .domain:
                // A prefix is expected under whatever prefix the restore was given: only that
                // there is one carries (a member no domain has, so the prefix itself is not carried).
                return name == "prefix" ? ["(a prefix)": true] : .object(CreateRequest.pick(["Domain"], from: item))
            case .resourceServers:
                var request = CreateRequest.resourceServer(item, poolID: "").object!
                request["UserPoolId"] = nil
                request["Scopes"] = .array((item["Scopes"]?.array ?? []).sorted { ($0["ScopeName"]?.string ?? "") < ($1["ScopeName"]?.string ?? "") })
                return .object(request)
            case .identityProviders:
                var request = CreateRequest.identityProvider(item, poolID: "").object!
                request["UserPoolId"] = nil
                return .object(request)
            case .groups:
                var request = CreateRequest.group(item, poolID: "").object!
                request["UserPoolId"] = nil
                return .object(request)
            case .appClients:
                var settings = CreateRequest.pick(CreateRequest.clientSettings, from: item)
                // A secret Cognito would not take back was replaced by a generated one: only
                // that there is a secret can match.
                if let secret = settings["ClientSecret"]?.string, !CreateRequest.isAcceptableSecret(secret) {
                    settings["ClientSecret"] = "(generated)"
                }
                return .object(settings)
            case .uiCustomization:
                return .object(CreateRequest.pick(["CSS"], from: item))
            case .riskConfiguration:
                return .object(CreateRequest.pick(["CompromisedCredentialsRiskConfiguration", "AccountTakeoverRiskConfiguration",
                                                   "RiskExceptionConfiguration"], from: item))
            case .managedLoginBranding:
                // Assets in a fixed order, since Cognito does not promise to keep theirs.
                var request = CreateRequest.managedLoginBranding(item, poolID: "", clientID: "").object!
                request["UserPoolId"] = nil
                request["ClientId"] = nil
                if let assets = request["Assets"]?.array {
                    request["Assets"] = .array(assets.sorted {
                        ($0["Category"]?.string ?? "", $0["ColorMode"]?.string ?? "") < ($1["Category"]?.string ?? "", $1["ColorMode"]?.string ?? "")
                    })
                }
                return .object(request)
            case .terms:
                return .object(CreateRequest.pick(["TermsSource", "Enforcement", "Links"], from: item))
            case .logDelivery:
                return .object(CreateRequest.pick(["LogConfigurations"], from: item))
            case .users, .memberships:
                return item
            }
        }
    }
}
