@testable import Restore
import JSON
import Testing

/// What a revert raises before anything else: only what the backup protects more, each at the
/// stronger of the two sides.
struct StrongerSecurityTests {
    @Test func threatProtectionIsRaisedWithTheBackupsPlanAndKeepsTheTargetsOtherAddOns() {
        let target: JSON = ["UserPoolAddOns": ["AdvancedSecurityMode": "OFF", "AdvancedSecurityAdditionalFlows": ["CustomAuthMode": "ENFORCED"]],
                            "UserPoolTier": "ESSENTIALS", "DeletionProtection": "ACTIVE"]
        let backup: JSON = ["UserPoolAddOns": ["AdvancedSecurityMode": "ENFORCED", "AdvancedSecurityAdditionalFlows": ["CustomAuthMode": "AUDIT"]],
                            "UserPoolTier": "PLUS", "DeletionProtection": "INACTIVE"]
        let raised = CreateRequest.strongerSecurity(of: target, and: backup)
        #expect(JSON.object(raised) == ["UserPoolAddOns": ["AdvancedSecurityMode": "ENFORCED",
                                                           "AdvancedSecurityAdditionalFlows": ["CustomAuthMode": "ENFORCED"]],
                                        "UserPoolTier": "PLUS"])
    }

    @Test func deletionProtectionAloneIsRaisedAndNothingWhenTheTargetIsAsStrong() {
        let weak: JSON = ["UserPoolAddOns": ["AdvancedSecurityMode": "AUDIT"]]
        let strong: JSON = ["UserPoolAddOns": ["AdvancedSecurityMode": "ENFORCED"], "DeletionProtection": "ACTIVE"]
        #expect(JSON.object(CreateRequest.strongerSecurity(of: ["UserPoolAddOns": ["AdvancedSecurityMode": "ENFORCED"]], and: strong))
            == ["DeletionProtection": "ACTIVE"])
        #expect(CreateRequest.strongerSecurity(of: strong, and: weak).isEmpty)
        #expect(CreateRequest.strongerSecurity(of: strong, and: strong).isEmpty)
    }
}
