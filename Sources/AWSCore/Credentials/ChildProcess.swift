#if canImport(Glibc)
import Glibc
import Support
#endif

/// Runs a program (no shell) and collects what it writes, within a time and a size limit, without
/// blocking a thread of the cooperative pool: the pipes are read without blocking, between sleeps
/// that a cancelled task ends at once. A program past a limit, or whose task is cancelled, is killed.
enum ChildProcess {
    struct Output {
        /// The raw wait status.
        let status: Int32
        let standardOutput: [UInt8]
        /// The last `maxOutputBytes` written to stderr: enough to say why it failed.
        let standardError: [UInt8]

        var succeeded: Bool { status == 0 }

        var termination: String {
            status & 0x7f == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(status & 0x7f)"
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let pollNanoseconds: UInt64 = 10_000_000

    static func run(_ arguments: [String], environment: [String: String], timeoutMilliseconds: Int64,
                    maxOutputBytes: Int) async throws(Failure) -> Output {
        var output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard pipe(&output) == 0 else { throw Failure(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errors) == 0 else {
            close(output[0]); close(output[1])
            throw Failure(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        defer { close(output[0]); close(errors[0]) }
        let pid = try spawn(arguments, environment: environment, output: output[1], errors: errors[1], parentEnds: [output[0], errors[0]])
        let deadline = UTCTime.now().adding(milliseconds: timeoutMilliseconds)
        var standardOutput: [UInt8] = [], standardError: [UInt8] = []
        var outputOpen = true, errorsOpen = true
        for fd in [output[0], errors[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var status: Int32 = 0
        while true {
            if outputOpen { outputOpen = drain(output[0], into: &standardOutput) }
            if errorsOpen { errorsOpen = drain(errors[0], into: &standardError) }
            if standardError.count > maxOutputBytes { standardError.removeFirst(standardError.count - maxOutputBytes) }
            if standardOutput.count > maxOutputBytes {
                stop(pid)
                throw Failure(description: "wrote more than \(maxOutputBytes) bytes")
            }
            if !outputOpen, !errorsOpen, waitpid(pid, &status, WNOHANG) == pid { break }
            if UTCTime.now() > deadline {
                stop(pid)
                throw Failure(description: "did not finish within \(timeoutMilliseconds) ms")
            }
            do { try await Task.sleep(nanoseconds: pollNanoseconds) } catch {
                stop(pid)
                throw Failure(description: "was stopped: the task was cancelled")
            }
        }
        return Output(status: status, standardOutput: standardOutput, standardError: standardError)
    }

    private static func spawn(_ arguments: [String], environment: [String: String], output: Int32, errors: Int32,
                              parentEnds: [Int32]) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        // Only stdout and stderr stay open in the child: a pipe end it kept would hold off our end of file.
        for fd in Set([output, errors] + parentEnds) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        // The child has its own copies; with ours closed, its exit is our end of file.
        close(output)
        close(errors)
        guard result == 0 else { throw Failure(description: "could not be started: \(String(cString: strerror(result)))") }
        return pid
    }

    /// Reads what is there; false at end of file.
    private static func drain(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count > 0 { buffer += chunk[0..<count]; continue }
            if count == 0 { return false }
            return errno == EAGAIN || errno == EINTR
        }
    }

    /// Kills the program and reaps it, so no zombie outlives the call. The wait blocks, but for
    /// no more than the moment SIGKILL takes: it cannot be caught or ignored.
    private static func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
