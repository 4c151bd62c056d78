import CitiesPG
import Foundation
import Synchronization

/// Runs programs with `posix_spawn` and reaps them with `waitpid`, blocking the calling thread.
///
/// Output goes to a temporary file rather than a pipe, so a daemon the program leaves behind
/// (`pg_ctl start`) cannot hold the read open. Spawns are serialised with the creation of
/// close-on-exec descriptors so no child inherits a descriptor meant for another.
enum ChildProcess {
    struct Output {
        let status: Int32
        let output: String
    }

    /// Held while creating descriptors that must not leak into children, and while spawning.
    static let descriptorLock = Mutex(())

    static func run(_ executable: URL, _ arguments: [String], asUser user: String? = nil) throws -> Output {
        let outputPath = FileManager.default.temporaryDirectory.appending(path: "citiesd-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        let pid = try spawn(command(executable, arguments, asUser: user), standardInput: nil, outputPath: outputPath)
        let status = waitForExit(pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Output(status: status, output: output)
    }

    /// Like ``run(_:_:asUser:)`` but throws when the program fails.
    @discardableResult
    static func check(_ executable: URL, _ arguments: [String], asUser user: String? = nil) throws -> String {
        let result = try run(executable, arguments, asUser: user)
        guard result.status == 0 else {
            throw EmbeddedPostgresError.commandFailed(
                command: ([executable.lastPathComponent] + arguments).joined(separator: " "),
                status: result.status, output: result.output)
        }
        return result.output
    }

    /// `runuser -u USER -- program …` when a user is given (this process is root).
    static func command(_ executable: URL, _ arguments: [String], asUser user: String?) -> [String] {
        guard let user else { return [executable.path] + arguments }
        return ["/usr/sbin/runuser", "-u", user, "--", executable.path] + arguments
    }

    /// Starts `argv` with standard input from `standardInput` (or /dev/null) and output appended to
    /// `outputPath` (or /dev/null); returns its pid. The caller reaps it with ``waitForExit(_:)``.
    static func spawn(_ argv: [String], standardInput: Int32?, outputPath: String?, environment: [String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        _ = addCloseFrom?(&actions, 3)
        let environment = environment ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        let status = descriptorLock.withLock { _ in
            posix_spawn(&pid, argv[0], &actions, nil, arguments, variables)
        }
        guard status == 0 else {
            throw EmbeddedPostgresError.commandFailed(command: argv[0], status: status, output: String(cString: strerror(status)))
        }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+; Swift's Glibc module does not
    /// export it): the child closes every descriptor from 3 on. Close-on-exec alone is not enough:
    /// SwiftNIO accepts connections without it, and a postmaster that inherits an HTTP connection
    /// keeps it open after the server closed it.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }

    /// Waits for `pid` and returns its exit status (128 + signal when it was killed).
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
