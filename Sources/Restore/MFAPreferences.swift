import Backup
import JSON

/// What of a user's MFA preferences a restore can set again. SMS and email codes go to the phone
/// number and address that came back with the user; an authenticator app (TOTP) needs a secret
/// Cognito never exports, so its user can only enrol again.
enum MFAPreferences {
    /// AdminSetUserMFAPreference for `user`'s SMS and email MFA, under its `username` in the
    /// target; nil when it had neither.
    static func request(for user: PoolUser, username: String, poolID: String) -> JSON? {
        var request: JSONObject = ["UserPoolId": .string(poolID), "Username": .string(username)]
        for (setting, key) in [("SMS_MFA", "SMSMfaSettings"), ("EMAIL_OTP", "EmailMfaSettings")] where user.mfaSettings.contains(setting) {
            request[key] = ["Enabled": true, "PreferredMfa": .bool(user.preferredMFA == setting)]
        }
        return request.count > 2 ? .object(request) : nil
    }

    static func needsReEnrolment(_ user: PoolUser) -> Bool { user.mfaSettings.contains("SOFTWARE_TOKEN_MFA") }
}
