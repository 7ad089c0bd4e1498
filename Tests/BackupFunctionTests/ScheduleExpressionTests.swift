@testable import BackupFunction
import Support
import Testing

struct ScheduleExpressionTests {
    @Test(arguments: [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3_600), ("rate(6 hours)", 21_600),
                      ("rate(1 day)", 86_400), ("rate(7 days)", 604_800)])
    func aRateIsItsPeriod(_ text: String, _ seconds: Int) throws {
        #expect(try ScheduleExpression(parsing: text).periodSeconds == seconds)
    }

    @Test(arguments: [("cron(0 12 * * ? *)", 86_400), ("cron(0 */6 * * ? *)", 21_600), ("cron(0/15 * * * ? *)", 900),
                      ("cron(0 8,20 ? * MON-FRI *)", 43_200), ("cron(30 1,2,23 * * ? *)", 3_600), ("cron(0 9-17 * * ? *)", 3_600)])
    func aCronsPeriodIsItsShortestGapAcrossMidnightToo(_ text: String, _ seconds: Int) throws {
        #expect(try ScheduleExpression(parsing: text).periodSeconds == seconds)
    }

    @Test(arguments: ["rate(1 hours)", "rate(2 hour)", "rate(0 minutes)", "rate(5 weeks)", "every hour", "cron(0 12 * * ?)",
                      "cron(61 * * * ? *)", "cron(0 24 * * ? *)", "cron(*/0 * * * ? *)", "cron(5-1 * * * ? *)", ""])
    func whatEventBridgeRefusesIsRefused(_ text: String) {
        #expect(throws: ConfigurationError.self) { try ScheduleExpression(parsing: text) }
    }
}
