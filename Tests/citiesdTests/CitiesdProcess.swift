import Foundation
import Testing

/// Runs the `citiesd` executable built beside the test bundle.
enum CitiesdProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "citiesd")
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil, standardInput: FileHandle? = nil
    ) throws -> Result {
        let process = try start(arguments, environment: environment, currentDirectory: currentDirectory, standardInput: standardInput)
        // Drain both pipes at once so neither can fill up and stall the child.
        nonisolated(unsafe) var stderr = ""
        let stderrDrained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderr = process.standardErrorText()
            stderrDrained.signal()
        }
        let stdout = process.standardOutputText()
        stderrDrained.wait()
        process.process.waitUntilExit()
        return Result(status: process.process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    final class Running: @unchecked Sendable {
        let process: Process
        let stdout = Pipe()
        let stderr = Pipe()

        init(process: Process) { self.process = process }

        func standardOutputText() -> String { String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        func standardErrorText() -> String { String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
    }

    /// Starts citiesd without `DATABASE_URL`/`PG*` from the test's own environment leaking in.
    static func start(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil, standardInput: FileHandle? = nil
    ) throws -> Running {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") && $0.key != "DATABASE_URL" }
        base["LOG_LEVEL"] = "info"
        process.environment = base.merging(environment) { $1 }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let running = Running(process: process)
        process.standardOutput = running.stdout
        process.standardError = running.stderr
        process.standardInput = standardInput ?? FileHandle.nullDevice
        try process.run()
        return running
    }
}
