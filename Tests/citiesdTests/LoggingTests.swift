import CitiesCore
import CitiesPG
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import citiesd

/// What a `StreamLogHandler` writes, kept for the test to read.
struct CapturedOutput: TextOutputStream, Sendable {
    final class Text: Sendable {
        let value = Mutex("")
    }

    let text = Text()
    var lines: [Substring] { text.value.withLock { $0 }.split(separator: "\n") }

    mutating func write(_ string: String) {
        text.value.withLock { $0 += string }
    }

    /// A logger writing through the handler `serve` uses into this output.
    func logger(level: Logger.Level = .trace, metadataProvider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: "test") { label in
            OneLineLogHandler(StreamLogHandler(label: label, stream: self, metadataProvider: nil), metadataProvider: metadataProvider)
        }
        logger.logLevel = level
        return logger
    }
}

@Suite struct OneLineLogHandlerTests {
    @Test func everyEventIsOneLineWhateverItsMessageAndMetadataHold() {
        let output = CapturedOutput()
        var logger = output.logger(metadataProvider: Logger.MetadataProvider { ["provided": "from\na provider"] })
        logger[metadataKey: "request_id"] = "abc\r\ndef"
        let libpqMessage = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n"
        logger.warning("database unavailable: \(libpqMessage)", metadata: [
            "error": "\(libpqMessage)",
            "nested": .dictionary(["list": .array(["one\ntwo", .stringConvertible(3)])]),
        ])
        logger.info("second event")

        #expect(output.lines.count == 2)
        let line = String(output.lines[0])
        #expect(line.contains(#"database unavailable: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n"#))
        #expect(line.contains(#"error=server closed the connection unexpectedly\n\tThis"#))
        #expect(line.contains(#"nested=["list": ["one\ntwo", "3"]]"#))
        #expect(line.contains(#"request_id=abc\r\ndef"#))
        #expect(line.contains(#"provided=from\na provider"#))
        #expect(output.lines[1].hasSuffix("second event"))
    }

    @Test func controlCharactersAndBackslashesAreEscapedReadably() {
        #expect(OneLineLogHandler.escaped("plain text, ünïcödé 🏙️") == "plain text, ünïcödé 🏙️")
        #expect(OneLineLogHandler.escaped("a\nb\rc\td") == #"a\nb\rc\td"#)
        #expect(OneLineLogHandler.escaped(#"C:\path\n"#) == #"C:\\path\\n"#, "a literal backslash-n stays distinguishable from a newline")
        #expect(OneLineLogHandler.escaped("bell\u{7} esc\u{1B} del\u{7F} nel\u{85} ls\u{2028} ps\u{2029}")
                == #"bell\u{7} esc\u{1b} del\u{7f} nel\u{85} ls\u{2028} ps\u{2029}"#)
    }
}

@Suite struct RequestLogRedactionTests {
    @Test func credentialsInTheQueryNeverReachTheLog() async throws {
        let output = CapturedOutput()
        let pool = PGPool(configuration: PGPoolConfiguration(connection: PGConfiguration("host=127.0.0.1 port=1 connect_timeout=1")))
        let app = try buildApplication(
            api: try APIConfiguration(prefix: "/ws/cities"), dependencies: APIDependencies(pool: pool, metadata: ServiceMetadata()), logger: output.logger())
        try await app.test(.router) { client in
            let query = "token=s3cr3t-1&page=2&api_key=s3cr3t-2&Access-Token=s3cr3t%203&password=s3cr3t-4&client_secret=s3cr3t-5&search=d%C3%BCsseldorf&flag"
            let response = try await client.execute(uri: "/ws/cities/health/?\(query)", method: .get)
            #expect(response.status == .ok)
        }
        await pool.close()
        let requests = output.lines.filter { $0.contains("Request") }
        #expect(requests.count == 1)
        #expect(requests.first?.contains(
            "hb.request.path=/ws/cities/health/?token=***&page=2&api_key=***&Access-Token=***&password=***&client_secret=***&search=d%C3%BCsseldorf&flag") == true)
        #expect(!output.lines.contains { $0.contains("s3cr3t") })
    }

    @Test func namesAreComparedDecodedAndAPathWithoutQueryIsKept() throws {
        typealias Middleware = RedactingLogRequestsMiddleware<CitiesRequestContext>
        #expect(Middleware.redacted(path: "/ws/cities/12/", query: nil) == "/ws/cities/12/")
        #expect(Middleware.redacted(path: "/ws/cities/", query: "") == "/ws/cities/")
        #expect(Middleware.redacted(path: "/ws/cities/", query: "to%6Ben=x&Pass+Word=y&key") == "/ws/cities/?to%6Ben=***&Pass+Word=***&key")
    }
}

@Suite struct UnavailableWarningTests {
    /// During an outage every request answers 503, but the warning is not repeated per request.
    @Test func the503WarningIsLoggedOncePerIntervalNotPerRequest() async throws {
        let output = CapturedOutput()
        let pool = PGPool(configuration: PGPoolConfiguration(connection: PGConfiguration("host=127.0.0.1 port=1 connect_timeout=1")))
        let app = try buildApplication(
            api: try APIConfiguration(prefix: "/ws/cities"), dependencies: APIDependencies(pool: pool, metadata: ServiceMetadata()), logger: output.logger())
        try await app.test(.router) { client in
            for _ in 0..<20 {
                let response = try await client.execute(uri: "/ws/cities/", method: .get)
                #expect(response.status == .serviceUnavailable)
            }
        }
        await pool.close()
        let warnings = output.lines.filter { $0.contains("database unavailable") }
        // The throttle is process-wide: another test's outage may have logged this interval's line.
        #expect(warnings.count <= 1)
        #expect(warnings.allSatisfy { $0.contains("warning") && $0.contains("Connection refused") })
    }
}

/// Lines a ``JSONLineLogHandler`` writes, kept for the test to read.
final class CapturedLines: Sendable {
    private let lines = Mutex<[[UInt8]]>([])
    var all: [[UInt8]] { lines.withLock { $0 } }

    func logger(metadataProvider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: "citiesd.test") { label in
            JSONLineLogHandler(label: label, metadataProvider: metadataProvider) { line in self.lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .trace
        return logger
    }
}

@Suite struct RequestLogFieldsTests {
    /// Each event is one JSON object on one line, whatever the message holds, with the request id
    /// and trace id lifted out of the metadata and Hummingbird's `hb.request.id` written once, as
    /// `request_id`.
    @Test func jsonLinesCarryOneRequestIDTheTraceIDAndTheMetadata() throws {
        let output = CapturedLines()
        var logger = output.logger(metadataProvider: Logger.MetadataProvider { ["provided": "yes"] })
        logger[metadataKey: "hb.request.id"] = "req-1"
        logger[metadataKey: "trace_id"] = "4bf92f3577b34da6a3ce929d0e0e4736"
        struct Broken: Error {}
        logger.error("database unavailable:\nserver closed the connection\u{2028}\"quoted\"", error: Broken(), metadata: [
            "nested": .dictionary(["list": .array(["one\ntwo", .stringConvertible(3)])]),
        ])
        logger.info("second")

        let lines = output.all
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.last == UInt8(ascii: "\n") && $0.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") } })
        guard case .object(let first) = try JSONDecoder().decode(JSONValue.self, from: Data(lines[0])) else { Issue.record("not an object"); return }
        #expect(first["message"] == .string("database unavailable:\nserver closed the connection\u{2028}\"quoted\""))
        #expect(first["level"] == "error")
        #expect(first["logger"] == "citiesd.test")
        #expect(first["request_id"] == "req-1")
        #expect(first["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736")
        guard case .string(let timestamp) = first["timestamp"], ISOTimestamp.date(from: timestamp) != nil else { Issue.record("no timestamp"); return }
        guard case .object(let metadata) = first["metadata"] else { Issue.record("no metadata"); return }
        #expect(metadata["provided"] == "yes")
        #expect(metadata["nested"] == .object(["list": .array(["one\ntwo", "3"])]))
        #expect(metadata["error.type"].map { "\($0)".contains("Broken") } == true)
        #expect(metadata["request_id"] == nil && metadata["hb.request.id"] == nil && metadata["trace_id"] == nil)
    }

    @Test func textLinesWriteTheRequestIDOnceAsRequestID() {
        let output = CapturedOutput()
        var logger = output.logger()
        logger[metadataKey: "hb.request.id"] = "req-2"
        logger.info("one")
        #expect(output.lines.count == 1)
        #expect(output.lines[0].contains("request_id=req-2"))
        #expect(!output.lines[0].contains("hb.request.id"))
    }

    @Test func onlyAWellFormedTraceparentGivesATraceID() {
        let traceID = ProxyHeadersMiddleware.traceID(fromTraceparent:)
        #expect(traceID("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(traceID("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future") == "4bf92f3577b34da6a3ce929d0e0e4736",
                "a later version may add fields")
        for malformed in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "", "garbage\n\u{0}",
        ] {
            #expect(traceID(malformed) == nil, "\(malformed)")
        }
    }
}
