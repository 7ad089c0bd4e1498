import Support

/// When the work in hand must be over: calls keep waiting out throttling until then and no
/// longer. The Lambda function sets it from the invocation's deadline, so a throttled backup
/// fails with a clear error while there is still time to say so.
public enum CallDeadline {
    @TaskLocal public static var current: UTCTime?
}

/// Runs `body` with `deadline` as the call deadline, or the one already in force if that is
/// sooner: a nested deadline can shorten the wait, never extend it.
public func withCallDeadline<Result>(_ deadline: UTCTime, isolation: isolated (any Actor)? = #isolation,
                                     _ body: () async throws -> Result) async rethrows -> Result {
    let effective = CallDeadline.current.map { min($0, deadline) } ?? deadline
    return try await CallDeadline.$current.withValue(effective, operation: body, isolation: isolation)
}
