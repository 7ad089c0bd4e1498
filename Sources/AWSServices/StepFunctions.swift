import AWSCore
import JSON

/// Step Functions over JSON 1.0: only what hands a backup to the state machine.
public final class StepFunctions: Sendable {
    private let client: JSONProtocolClient

    public init(aws: AWSClient, retry: RetryPolicy = .standard) {
        client = JSONProtocolClient(aws: aws, service: .stepFunctions, targetPrefix: "AWSStepFunctions", version: "1.0", retry: retry)
    }

    /// Starts an execution named `name`, once: Step Functions answers a start of a running
    /// execution's name and input with that execution, and refuses one whose execution has
    /// ended (ExecutionAlreadyExists), which ran what this start asks for.
    public func startExecution(stateMachineARN: String, name: String, input: JSON) async throws(AWSError) {
        do {
            _ = try await client.call("StartExecution", ["stateMachineArn": .string(stateMachineARN), "name": .string(name),
                                                         "input": .string(input.serialized)])
        } catch where error.code == "ExecutionAlreadyExists" {
            return
        }
    }
}
