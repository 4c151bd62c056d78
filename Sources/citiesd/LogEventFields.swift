import Logging

/// What both log formats write for an event: the handler's metadata, then the metadata provider's,
/// then the event's, with an attached error as `error.message` and `error.type`. Hummingbird keeps
/// a request's id under `hb.request.id` (``ProxyHeadersMiddleware`` sets it to the gateway's or its
/// own id); it is written as `request_id`, once per line.
enum LogEventFields {
    static func metadata(_ handlerMetadata: Logger.Metadata, provider: Logger.MetadataProvider?, event: LogEvent) -> Logger.Metadata {
        var metadata = handlerMetadata
        metadata.merge(provider?.get() ?? [:]) { $1 }
        metadata.merge(event.metadata ?? [:]) { $1 }
        if let error = event.error {
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        if let requestID = metadata.removeValue(forKey: "hb.request.id") { metadata["request_id"] = requestID }
        return metadata
    }
}
