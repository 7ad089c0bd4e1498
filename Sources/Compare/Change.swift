import JSON

/// One difference between two sides of a comparison, named as a person knows the item: a
/// username, a group, client or provider name, a setting path.
public struct Change: Sendable {
    public let kind: Kind
    public let action: Action
    /// The item: a username, a group name, `alice in admins` for a membership, `pool` for settings.
    public let name: String
    /// The item's id on the second side (an app client's id), where it has one.
    public let id: String?
    /// What differs in a changed item, setting by setting; in an item that is `notCarried`, the
    /// values no restore carries.
    public let fields: [Field]
    /// In a changed item compared with its restore (`Restoration`), what else differs because no
    /// restore carries it: a new `sub`, a status.
    public let notCarried: [Field]

    public init(kind: Kind, action: Action, name: String, id: String? = nil, fields: [Field] = [], notCarried: [Field] = []) {
        self.kind = kind
        self.action = action
        self.name = name
        self.id = id
        self.fields = fields
        self.notCarried = notCarried
    }

    /// What a comparison reports, in the order it reports them.
    public enum Kind: String, Sendable, CaseIterable {
        case settings, schema
        case mfaConfiguration = "mfa_configuration"
        case domain
        case resourceServers = "resource_servers"
        case identityProviders = "identity_providers"
        case groups
        case appClients = "app_clients"
        case uiCustomization = "ui_customization"
        case riskConfiguration = "risk_configuration"
        case managedLoginBranding = "managed_login_branding"
        case terms
        case logDelivery = "log_delivery"
        case users, memberships

        /// How the text report names one item of the kind.
        var label: String {
            switch self {
            case .settings: "pool setting"
            case .schema: "schema attribute"
            case .mfaConfiguration: "MFA configuration"
            case .domain: "domain"
            case .resourceServers: "resource server"
            case .identityProviders: "identity provider"
            case .groups: "group"
            case .appClients: "app client"
            case .uiCustomization: "UI customization"
            case .riskConfiguration: "threat protection"
            case .managedLoginBranding: "managed login branding"
            case .terms: "terms"
            case .logDelivery: "log delivery"
            case .users: "user"
            case .memberships: "membership"
            }
        }
    }

    public enum Action: String, Sendable, CaseIterable {
        case added, removed, changed
        /// When the second side is a restore of the first: the item differs only in what no
        /// restore carries (its fields), or is an item no restore brings back or takes away
        /// (no fields). Never a change.
        case notCarried = "not_carried"

        var sign: String {
            switch self {
            case .added: "+"
            case .removed: "-"
            case .changed: "~"
            case .notCarried: "="
            }
        }

        var word: String { self == .notCarried ? "not carried by a restore" : rawValue }
    }

    /// One setting of a changed item: its path (`Policies.PasswordPolicy.MinimumLength`, an
    /// attribute's name) and its value on each side; nil where that side lacks it.
    public struct Field: Sendable, Equatable {
        public let path: String
        public let old: JSON?
        public let new: JSON?

        public init(path: String, old: JSON?, new: JSON?) {
            self.path = path
            self.old = old
            self.new = new
        }
    }

    /// `--json`'s shape, documented in docs/format.md.
    public var json: JSON {
        var object: JSONObject = ["kind": .string(kind.rawValue), "change": .string(action.rawValue), "name": .string(name)]
        if let id { object["id"] = .string(id) }
        if action == .changed || action == .notCarried { object["fields"] = Self.json(fields) }
        if !notCarried.isEmpty { object["not_carried"] = Self.json(notCarried) }
        return .object(object)
    }

    private static func json(_ fields: [Field]) -> JSON {
        .array(fields.map { field in ["path": .string(field.path), "old": field.old ?? .null, "new": field.new ?? .null] })
    }

    /// One line for people: `~ app client web (1example): ExplicitAuthFlows: [...] -> [...]`.
    public var text: String {
        var line = "\(action.sign) \(kind.label) \(name)"
        if let id { line += " (\(id))" }
        if action == .notCarried { line += ": not carried by a restore" }
        guard action == .changed || action == .notCarried, !fields.isEmpty else { return line }
        // A setting is its own item: its path is said once.
        if fields.count == 1, fields[0].path == name { return line + ": \(Self.shown(fields[0].old)) -> \(Self.shown(fields[0].new))" }
        return line + ": " + fields.map { "\($0.path): \(Self.shown($0.old)) -> \(Self.shown($0.new))" }.joined(separator: "; ")
    }

    private static func shown(_ value: JSON?) -> String {
        guard let value else { return "(none)" }
        let text = value.string ?? value.serialized
        return text.count > 200 ? String(text.prefix(200)) + "..." : text
    }
}
