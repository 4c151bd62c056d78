import Foundation

/// Runs a program to completion, blocking the calling thread. Output goes to a temporary file rather
/// than a pipe, so a daemon the program leaves behind (`pg_ctl start`) cannot hold the read open.
enum ChildProcess {
    struct Output {
        let status: Int32
        let output: String
    }

    static func run(_ executable: URL, _ arguments: [String], asUser user: String? = nil) throws -> Output {
        let process = Process()
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        let outputFile = FileManager.default.temporaryDirectory.appending(path: "citiesd-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil) else {
            throw EmbeddedPostgresError.commandFailed(command: "create \(outputFile.path)", status: -1, output: "")
        }
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let handle = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, output: output)
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
}
