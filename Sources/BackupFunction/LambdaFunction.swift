import AWSCore
import AWSServices
import Backup
import LambdaRuntime

/// The function's start: read the configuration (reporting it to /init/error if it cannot work),
/// build the clients, then serve events until the runtime stops.
public enum LambdaFunction {
    public static func run(runtimeAPI: String, environment: [String: String]) async -> Int32 {
        let runtime = RuntimeAPIClient(address: runtimeAPI)
        let log = FunctionLog(environment: environment["BACKUP_ENVIRONMENT"])
        let handler: BackupHandler
        do {
            let configuration = try FunctionConfiguration(environment: environment)
            let aws = AWSClient(configuration: try AWSConfiguration(environment: environment))
            handler = BackupHandler(configuration: configuration, job: BackupJob(settings: configuration.backup, aws: aws),
                                    leases: PoolLeases(dynamodb: DynamoDB(aws: aws), table: configuration.table), log: log,
                                    drills: DrillHandler(configuration: configuration, aws: aws, log: log),
                                    stateMachine: configuration.stateMachineARN.map { _ in StepFunctions(aws: aws) })
        } catch {
            let failure = InvocationError(type: "InvalidConfiguration", message: "\(error)")
            log.error("cannot start", [("error", .string(failure.message))])
            // The exit below reports the failure too, should this report not get through.
            try? await runtime.failInitialization(with: failure)
            return 1
        }
        return await RuntimeLoop.run(runtime, handler: handler, log: { log.error($0) })
    }
}
