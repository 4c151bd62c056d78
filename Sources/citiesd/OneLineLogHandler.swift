import Logging

/// Keeps every log event on one line: escapes line breaks and other control characters (and, so
/// the escaping can be read back, backslashes) in the message, the metadata and an attached error
/// before `StreamLogHandler` formats them. libpq's messages, for one, span several lines.
///
/// Metadata is kept as set and escaped only when a line is written: every request sets its id on
/// its logger, and most requests write no line at all.
struct OneLineLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadataProvider: Logger.MetadataProvider?
    var metadata: Logger.Metadata = [:]

    /// - Parameter stream: made without a metadata provider; this handler evaluates and escapes it.
    init(_ stream: StreamLogHandler, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.stream = stream
        self.metadataProvider = metadataProvider
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        let metadata = LogEventFields.metadata(self.metadata, provider: metadataProvider, event: event)
        event.error = nil
        event.metadata = metadata.isEmpty ? nil : Self.escaped(metadata)
        event.message = "\(Self.escaped(event.message.description))"
        stream.log(event: event)
    }

    private static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        Logger.Metadata(uniqueKeysWithValues: metadata.map { (escaped($0.key), escaped($0.value)) })
    }

    private static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): return .string(escaped(text))
        case .stringConvertible(let convertible): return .string(escaped(convertible.description))
        case .array, .dictionary:
            // swift-log prints their leaves quoted and escaped as Swift string literals, which leaves
            // non-ASCII line breaks (U+0085, U+2028) as they are.
            return .string(escaped(value.description, backslashes: false))
        }
    }

    /// `text` with `\`, `\n`, `\r`, `\t` written as in Swift source and other control characters
    /// (C0, DEL, C1, the Unicode line and paragraph separators) as `\u{…}`.
    static func escaped(_ text: String) -> String {
        escaped(text, backslashes: true)
    }

    private static func escaped(_ text: String, backslashes: Bool) -> String {
        func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
            (backslashes && scalar == "\\") || [.control, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
        }
        let printableASCII = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && ($0 != UInt8(ascii: "\\") || !backslashes) }
        guard !printableASCII, text.unicodeScalars.contains(where: needsEscaping) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\" where backslashes: result.append(contentsOf: #"\\"#.unicodeScalars)
            case "\n": result.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": result.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": result.append(contentsOf: #"\t"#.unicodeScalars)
            case _ where needsEscaping(scalar): result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            default: result.append(scalar)
            }
        }
        return String(result)
    }
}
