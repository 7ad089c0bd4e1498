import JSON

/// A password that satisfies the target pool's policy and that nobody will ever type: it only
/// makes a restored user CONFIRMED, from where "Forgot password" works. Every character class
/// is always present, so whichever of them the policy requires, it is satisfied.
enum PlaceholderPassword {
    static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let lower = Array("abcdefghijkmnopqrstuvwxyz")
    static let digits = Array("23456789")
    /// The symbols Cognito counts for RequireSymbols (its documented set).
    static let symbols = Array("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")
    /// Well beyond guessing; Cognito's MinimumLength goes up to 99.
    static let defaultLength = 32

    /// `policy` is the pool's `Policies.PasswordPolicy`.
    static func make(policy: JSON?) -> String {
        let length = max(defaultLength, policy?["MinimumLength"]?.int ?? 0)
        var random = SystemRandomNumberGenerator()
        let classes = [upper, lower, digits, symbols]
        let all = classes.flatMap { $0 }
        var characters = classes.map { $0.randomElement(using: &random)! }
        characters += (characters.count..<length).map { _ in all.randomElement(using: &random)! }
        characters.shuffle(using: &random)
        return String(characters)
    }
}
