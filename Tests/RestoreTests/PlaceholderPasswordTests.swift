@testable import Restore
import JSON
import Testing

struct PlaceholderPasswordTests {
    /// Cognito's policy check, as documented: length, and each required class present.
    static func satisfies(_ password: String, _ policy: JSON) -> Bool {
        let characters = Array(password)
        let symbols = Set(PlaceholderPassword.symbols)
        let allowed = Set(PlaceholderPassword.upper + PlaceholderPassword.lower + PlaceholderPassword.digits) .union(symbols)
        return characters.count >= (policy["MinimumLength"]?.int ?? 8)
            && characters.allSatisfy(allowed.contains)
            && (policy["RequireUppercase"]?.bool != true || characters.contains { $0.isASCII && $0.isUppercase })
            && (policy["RequireLowercase"]?.bool != true || characters.contains { $0.isASCII && $0.isLowercase })
            && (policy["RequireNumbers"]?.bool != true || characters.contains { $0.isASCII && $0.isNumber })
            && (policy["RequireSymbols"]?.bool != true || characters.contains(where: symbols.contains))
    }

    @Test(arguments: [6, 8, 12, 31, 32, 33, 40, 64, 98, 99])
    func placeholderSatisfiesEveryPolicyOfThisMinimumLength(minimum: Int) {
        for mask in 0..<16 {
            let policy: JSON = ["MinimumLength": .number(String(minimum)), "RequireUppercase": .bool(mask & 1 != 0),
                                "RequireLowercase": .bool(mask & 2 != 0), "RequireNumbers": .bool(mask & 4 != 0),
                                "RequireSymbols": .bool(mask & 8 != 0)]
            let password = PlaceholderPassword.make(policy: policy)
            #expect(Self.satisfies(password, policy), "\(password) for \(policy.serialized)")
        }
    }

    @Test func placeholderWithoutAPolicyIsLongAndNeverRepeats() {
        let password = PlaceholderPassword.make(policy: nil)
        #expect(password.count == PlaceholderPassword.defaultLength)
        #expect(PlaceholderPassword.make(policy: nil) != password)
    }
}
