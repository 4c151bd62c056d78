import Foundation
import Synchronization

/// One input file of an import: a path or standard input (`-`), plain, gzip or zip, recognised by
/// its first bytes. Compressed input is decompressed by the system's `gzip -dc` or `funzip` (a zip's
/// first member: GeoNames' archives hold the one file, `cities15000.zip` → `cities15000.txt`), fed
/// from here by a thread, so ``bytesRead`` always counts the raw bytes read, and ``totalBytes`` is
/// the file's size when it has one (not a pipe): enough for a progress bar and its ETA.
final class ImportInput: Sendable {
    /// The path as given, or `-`.
    let path: String
    let totalBytes: Int?
    private let descriptor: Int32
    private let counter = Atomic<Int>(0)
    /// Why the thread feeding a decompressor stopped reading, if it failed.
    private let feedFailure = Mutex<ImportInputError?>(nil)

    var bytesRead: Int { counter.load(ordering: .relaxed) }
    /// How it reads in messages: the file name, or "standard input".
    let displayName: String

    init(path: String) throws(ImportInputError) {
        self.path = path
        displayName = path == "-" ? "standard input" : URL(fileURLWithPath: path).lastPathComponent
        if path == "-" {
            descriptor = STDIN_FILENO
        } else {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ImportInputError("cannot open \(path): \(String(cString: strerror(errno)))") }
        }
        var status = stat()
        totalBytes = fstat(descriptor, &status) == 0 && (status.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) ? Int(status.st_size) : nil
    }

    deinit {
        if descriptor != STDIN_FILENO { close(descriptor) }
    }

    /// Calls `body` with each line (without its line break; empty lines skipped) and its 1-based
    /// line number. Throws what `body` throws, or ``ImportInputError`` when the input cannot be read.
    func forEachLine(_ body: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        let head = try readRaw(maximum: 1 << 16)
        let decompressor: [String]? = head.starts(with: [0x1F, 0x8B]) ? ["gzip", "-dc"]
            : head.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? ["funzip"] : nil
        guard let decompressor else {
            var pending = head
            try Self.splitLines(next: {
                defer { pending = [] }
                return pending.isEmpty ? try self.readRaw(maximum: 1 << 20) : pending
            }, body)
            return
        }
        let child = try Decompressor(arguments: decompressor)
        let pumped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { pumped.signal() }
            do throws(ImportInputError) {
                var chunk = head
                while !chunk.isEmpty {
                    guard child.feed(chunk) else { break }
                    chunk = try self.readRaw(maximum: 1 << 20)
                }
            } catch {
                self.feedFailure.withLock { $0 = error }
            }
            child.closeInput()
        }
        do {
            try Self.splitLines(next: child.nextChunk, body)
        } catch {
            child.stop()
            pumped.wait()
            throw error
        }
        pumped.wait()
        if let failure = feedFailure.withLock({ $0 }) { throw failure }
        try child.finish(inputName: displayName)
    }

    private func readRaw(maximum: Int) throws(ImportInputError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, maximum) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ImportInputError("cannot read \(displayName): \(String(cString: strerror(errno)))") }
            counter.add(count, ordering: .relaxed)
            bytes.removeLast(maximum - count)
            return bytes
        }
    }

    /// Splits the chunks `next` returns (empty at the end) into lines.
    private static func splitLines(next: () throws -> [UInt8], _ body: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        var buffer: [UInt8] = []
        var lineNumber = 0
        while true {
            let chunk = try next()
            if chunk.isEmpty { break }
            buffer.append(contentsOf: chunk)
            var start = buffer.startIndex
            while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNumber += 1
                let line = buffer[start..<newline]
                if !line.isEmpty && !line.elementsEqual([UInt8(ascii: "\r")]) { try body(line, lineNumber) }
                start = newline + 1
            }
            buffer.removeSubrange(..<start)
        }
        if !buffer.isEmpty { try body(buffer[...], lineNumber + 1) }
    }
}

/// `gzip -dc` or `funzip` as a child process: raw bytes in through a pipe, the text out through another.
private final class Decompressor: Sendable {
    private let pid: pid_t
    /// The pipe to the child's standard input; -1 once closed.
    private let input: Atomic<Int32>
    private let output: Int32
    private let errors: Int32
    private let command: String

    init(arguments: [String]) throws(ImportInputError) {
        command = arguments[0]
        var pipes: [Int32] = []
        for _ in 0..<3 {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else {
                pipes.forEach { close($0) }
                throw ImportInputError("cannot start \(command): \(String(cString: strerror(errno)))")
            }
            ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
            pipes += ends
        }
        let (childInput, parentInput, parentOutput, childOutput, parentErrors, childErrors) = (pipes[0], pipes[1], pipes[2], pipes[3], pipes[4], pipes[5])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childInput, 0)
        posix_spawn_file_actions_adddup2(&actions, childOutput, 1)
        posix_spawn_file_actions_adddup2(&actions, childErrors, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, command, &actions, nil, argv, environ)
        [childInput, childOutput, childErrors].forEach { close($0) }
        guard spawned == 0 else {
            [parentInput, parentOutput, parentErrors].forEach { close($0) }
            throw ImportInputError("cannot start \(command) (is it installed?): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
        input = Atomic(parentInput)
        output = parentOutput
        errors = parentErrors
    }

    deinit {
        closeInput()
        close(output)
        close(errors)
    }

    /// Writes raw bytes to the child; false once it no longer reads (it exited or was stopped).
    func feed(_ bytes: [UInt8]) -> Bool {
        let descriptor = input.load(ordering: .acquiring)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Ends the child's input: it then finishes its output and exits.
    func closeInput() {
        let descriptor = input.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }

    /// The next chunk of decompressed text; empty at the end.
    func nextChunk() throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = bytes.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ImportInputError("cannot read from \(command): \(String(cString: strerror(errno)))") }
            bytes.removeLast(bytes.count - count)
            return bytes
        }
    }

    /// Waits for the child after its output ended; throws with its message when it failed
    /// (corrupt or truncated input).
    func finish(inputName: String) throws(ImportInputError) {
        let status = waitForExit()
        guard status == 0 else {
            var message = [UInt8](repeating: 0, count: 4096)
            let count = message.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
            let text = String(decoding: message.prefix(max(count, 0)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ImportInputError("\(command) could not decompress \(inputName) (exit status \(status))\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    /// Stops the child early (the import failed) and reaps it.
    func stop() {
        kill(pid, SIGTERM)
        _ = waitForExit()
    }

    private func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

struct ImportInputError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
