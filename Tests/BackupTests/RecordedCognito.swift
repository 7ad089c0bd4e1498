@testable import Backup
import AWSCore
import AWSServices
import Foundation
import JSON

/// Cognito as recorded: answers each call from a script and remembers what was asked.
final class RecordedCognito: CognitoAPI, @unchecked Sendable {
    typealias Answer = @Sendable (String, JSON) throws -> JSON
    private let lock = NSLock()
    private var recorded: [(operation: String, input: JSON)] = []
    private let answer: Answer

    init(_ answer: @escaping Answer) { self.answer = answer }

    func call(_ operation: String, _ input: JSON) async throws -> JSON {
        lock.withLock { recorded.append((operation, input)) }
        return try answer(operation, input)
    }

    var calls: [(operation: String, input: JSON)] { lock.withLock { recorded } }
    func calls(_ operation: String) -> [JSON] { calls.filter { $0.operation == operation }.map(\.input) }

    /// A recorded response from Resources/recorded.
    static func recording(_ name: String) -> JSON {
        let url = Bundle.module.url(forResource: "Resources", withExtension: nil)!.appendingPathComponent("recorded/\(name).json")
        return try! JSON(parsing: Array(try! Data(contentsOf: url)))
    }

    static func error(_ code: String, _ status: Int = 400) -> AWSError {
        AWSError(service: "cognito-idp", operation: "test", httpStatus: status, code: code, message: "recorded \(code)", requestID: "req-1")
    }

    /// The recorded pool: one of everything, answered from the recordings; lists are empty
    /// unless the test overrides them.
    static func recordedPool(overriding override: @escaping @Sendable (String, JSON) throws -> JSON? = { _, _ in nil }) -> RecordedCognito {
        RecordedCognito { operation, input in
            if let answer = try override(operation, input) { return answer }
            switch operation {
            case "DescribeUserPoolDomain": return recording("DescribeUserPoolDomain.\(input["Domain"]!.string!)")
            case "ListIdentityProviders": return ["Providers": []]
            case "ListResourceServers": return ["ResourceServers": []]
            case "ListGroups": return ["Groups": []]
            case "ListTerms": return ["Terms": []]
            default: return recording(operation)
            }
        }
    }
}

/// Collects an object in memory, as S3 would receive it.
actor MemorySink: SnapshotSink {
    private(set) var bytes: [UInt8] = []
    private(set) var finished = false
    private(set) var aborted = false
    private(set) var writes = 0

    func write(_ chunk: [UInt8]) async throws {
        bytes += chunk
        writes += 1
    }

    func finish() async throws -> String? {
        finished = true
        return "v1"
    }

    func abort() async -> UploadLeftOpen? {
        aborted = true
        return nil
    }
}
