import Support

/// `~/.aws/credentials` and `~/.aws/config`, or the files the environment names instead, read as
/// botocore reads them: `[name]` in the credentials file; `[default]`, `[profile name]` and
/// `[sso-session name]` in the config file, a name with spaces quoted (`[profile "my team"]`).
struct SharedConfigFiles: Sendable {
    typealias Section = [String: String]
    let credentialsFile: [String: Section]
    let configFile: [String: Section]
    let ssoSessions: [String: Section]

    init(environment: [String: String]) {
        let home = environment["HOME"] ?? ""
        self.init(credentials: FileIO.readText(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials") ?? "",
                  config: FileIO.readText(environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config") ?? "")
    }

    init(credentials: String, config: String) {
        credentialsFile = Self.parse(credentials)
        var profiles: [String: Section] = [:], sessions: [String: Section] = [:]
        for (header, section) in Self.parse(config) {
            if header == "default" {
                profiles["default", default: [:]].merge(section) { old, _ in old }
            } else if let name = Self.name(in: header, after: "profile") {
                // `[profile default]` is the default profile too, and wins over `[default]`.
                profiles[name, default: [:]].merge(section) { _, new in new }
            } else if let name = Self.name(in: header, after: "sso-session") {
                sessions[name] = section
            }
        }
        configFile = profiles
        ssoSessions = sessions
    }

    /// Whether either file has a section for the profile.
    func hasProfile(_ name: String) -> Bool { credentialsFile[name] != nil || configFile[name] != nil }

    /// The profile's settings from both files, the credentials file's winning, as botocore merges them.
    func profile(_ name: String) -> Section {
        (configFile[name] ?? [:]).merging(credentialsFile[name] ?? [:]) { _, credentials in credentials }
    }

    func region(profile: String) -> String? { configFile[profile]?["region"] }

    /// `profile name` → `name`; nil for another kind of section, or a name that is not one word.
    private static func name(in header: String, after kind: String) -> String? {
        guard header.hasPrefix(kind), let words = ShellWords.split(header), words.count == 2, words[0] == kind else { return nil }
        return words[1]
    }

    /// Sections by their header text. Lines starting with `#` or `;` are comments, as is anything
    /// after a section's `]`; an indented line under a setting continues it (botocore's nested
    /// `s3 =` settings), so it never sets a key of its own.
    static func parse(_ text: String) -> [String: Section] {
        var sections: [String: Section] = [:]
        var current: String?
        var lastKey: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: " \t")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                let name = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: " \t")
                current = name
                lastKey = nil
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            if let first = rawLine.first, first == " " || first == "\t", lastKey != nil { continue }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: " \t").lowercased()
            sections[current]?[key] = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
            lastKey = key
        }
        return sections
    }
}
