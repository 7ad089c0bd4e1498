/// Settings that cannot work (an environment variable, a flag): the CLI exits 2 and the function
/// reports it once to `/runtime/init/error`, rather than failing call after call.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
