import AWSCore
import JSON

/// Step Functions over JSON 1.0: only what hands a backup to the state machine.
public final class StepFunctions: Sendable {
    private let client: JSONProtocolClient

    public init(aws: AWSClient, retry: RetryPolicy = .standard) {
        client = JSONProtocolClient(aws: aws, service: .stepFunctions, targetPrefix: "AWSStepFunctions", version: "1.0", retry: retry)
    }

    /// Starts an execution named `name`, once. Step Functions answers a start of a running
    /// execution's name and input with that execution (true: this start is it), and refuses one
    /// whose execution has ended or whose input differs (ExecutionAlreadyExists: false, an
    /// execution of that name ran or runs already).
    @discardableResult
    public func startExecution(stateMachineARN: String, name: String, input: JSON) async throws(AWSError) -> Bool {
        do {
            _ = try await client.call("StartExecution", ["stateMachineArn": .string(stateMachineARN), "name": .string(name),
                                                         "input": .string(input.serialized)])
            return true
        } catch where error.code == "ExecutionAlreadyExists" {
            return false
        }
    }
}
