import CitiesCore
import Foundation
import Logging

/// Writes each event as one JSON object on one line (`--log-format json`): `timestamp` (RFC 3339,
/// UTC, microseconds), `level`, `logger`, `message`, `request_id` and `trace_id` when the event
/// has them, `source`, and the rest of the metadata under `metadata`. JSON's escaping keeps every
/// event on its line whatever its message holds.
struct JSONLineLogHandler: LogHandler {
    var metadataProvider: Logger.MetadataProvider?
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    private let label: String
    private let output: @Sendable ([UInt8]) -> Void

    /// `output` receives each line, its newline included; by default standard error, one `write` per line.
    init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
         output: @escaping @Sendable ([UInt8]) -> Void = Self.writeToStandardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = LogEventFields.metadata(metadata, provider: metadataProvider, event: event)
        let requestID = fields.removeValue(forKey: "request_id")
        let traceID = fields.removeValue(forKey: "trace_id")
        var writer = JSONWriter(reservingCapacity: 256)
        writer.beginObject()
        writer.field("timestamp", ISOTimestamp.string(from: Date()))
        writer.field("level", event.level.rawValue)
        writer.field("logger", label)
        writer.field("message", event.message.description)
        if let requestID { writer.field("request_id", requestID.description) }
        if let traceID { writer.field("trace_id", traceID.description) }
        writer.field("source", event.source)
        if !fields.isEmpty { writer.field("metadata", JSONValue.object(fields.mapValues(Self.json))) }
        writer.endObject()
        var line = writer.bytes
        line.append(UInt8(ascii: "\n"))
        output(line)
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }

    @Sendable static func writeToStandardError(_ line: [UInt8]) {
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 { offset += written } else if written < 0 && errno != EINTR { return }
            }
        }
    }
}
