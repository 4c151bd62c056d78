import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// The framework's floor for `scripts/benchmark`: a bare Hummingbird 2 application, built from the
/// same dependencies as citiesd, answering each given path with a file's bytes from one
/// `ByteBuffer` — no routing beyond Hummingbird's router, no middleware, no database, no encoding.
/// citiesd serving the identical bytes can only be slower; the ratio says how much of its cost is
/// its own. Tasks run where citiesd's run: `CITIESD_EXECUTOR` (`swift`, the default, or
/// `event-loops`) chooses the same executor for both.
///
///     CeilingResponder <port> <path>=<file> [<path>=<file> …]
@main
struct CeilingResponder {
    static func main() async throws {
        if ProcessInfo.processInfo.environment["CITIESD_EXECUTOR"] == "event-loops" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let arguments = CommandLine.arguments.dropFirst()
        guard let port = arguments.first.flatMap(Int.init), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: CeilingResponder <port> <path>=<file> …\n".utf8))
            exit(64)
        }
        let router = Router()
        for mapping in arguments.dropFirst() {
            guard let equals = mapping.firstIndex(of: "=") else {
                FileHandle.standardError.write(Data("not <path>=<file>: \(mapping)\n".utf8))
                exit(64)
            }
            let body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: String(mapping[mapping.index(after: equals)...]))))
            router.get(RouterPath(String(mapping[..<equals]))) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
            }
        }
        let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
