#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Guards one HTTP/1 connection, between NIO's HTTP codec and Hummingbird's request handling:
/// - closes it when the client stops making progress: no next request within the idle timeout, a
///   request head not complete within the header timeout (slowloris), a body that receives nothing
///   for the body timeout. Hummingbird's own `idleTimeout` counts from the last HTTP part, so it
///   cannot tell a quiet keep-alive connection from a half-sent head; this handler also sees reads
///   that complete no part.
/// - registers it with the `ConnectionRegistry`, which may close it while it waits for a request to
///   make room for a new connection, or refuse it: its request is then answered 503 without
///   reaching the application.
/// - while draining, adds `Connection: close` to every response and closes the connection after it.
/// - answers `Expect: 100-continue` with `100 Continue`.
/// - answers HTTP parse errors with a JSON body (431 for headers over the decoder's limit, 400 for
///   the rest) instead of Hummingbird's empty 400.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// No byte of the next request yet; `first` until the connection's first request arrives.
        case waiting(since: NIODeadline, first: Bool)
        case readingHead(deadline: NIODeadline)
        case readingBody(lastProgress: NIODeadline)
        /// The request is read; the application answers it, with no deadline from here.
        case answering
        /// This handler answered or gave up on the connection, which closes after the answer.
        case closing

        var isWaiting: Bool {
            if case .waiting = self { true } else { false }
        }
    }

    private let registry: ConnectionRegistry
    private let drain: DrainState
    private var phase = Phase.waiting(since: .now(), first: true)
    private var refused = false
    /// A response says `Connection: close`: the connection ends with it.
    private var closeAfterResponse = false
    /// Requests handed to the application whose response has not ended.
    private var responsesPending = 0
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?

    init(registry: ConnectionRegistry, drain: DrainState) {
        self.registry = registry
        self.drain = drain
    }

    private var limits: ConnectionLimits { registry.limits }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        refused = registry.admit(channel) == .refuse
        channel.closeFuture.whenComplete { [registry] _ in registry.remove(channel) }
        scheduleTimer(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closing = phase { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if refused {
                answer(.serviceUnavailable, "Service temporarily unavailable, try again later.", headers: [.retryAfter: "1"], context: context)
                return
            }
            // RFC 9110 §10.1.1: a client that asked may wait (curl: 1 s) for this before sending
            // its body. Bodies are read as they come, so there is nothing to decide first.
            if head.headerFields[.expect]?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
            responsesPending += 1
            enter(.readingBody(lastProgress: .now()), context: context)
        case .body:
            if case .readingBody = phase { phase = .readingBody(lastProgress: .now()) }
        case .end:
            enter(responsesPending > 0 ? .answering : .waiting(since: .now(), first: false), context: context)
        }
        context.fireChannelRead(data)
    }

    /// Fires after every read from the socket, also one that completed no HTTP part.
    func channelReadComplete(context: ChannelHandlerContext) {
        switch phase {
        case .waiting(let since, let first):
            enter(.readingHead(deadline: (first ? since : .now()) + TimeAmount(limits.headerTimeout)), context: context)
        case .readingBody:
            phase = .readingBody(lastProgress: .now())
        case .readingHead, .answering, .closing:
            break
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .closing = phase, event as? ChannelEvent == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Closing: what still arrives is discarded, including what the decoder makes of it.
        if case .closing = phase { return }
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // Mid-response, another answer would corrupt the one being written.
        guard responsesPending == 0 else {
            phase = .closing
            context.close(promise: nil)
            return
        }
        if parseError == .headerOverflow {
            answer(.requestHeaderFieldsTooLarge, "Request header fields too large.", context: context)
        } else {
            answer(.badRequest, "Malformed HTTP request.", context: context)
        }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response):
            if drain.isDraining { response.headerFields[.connection] = "close" }
            if response.headerFields[.connection] == "close" { closeAfterResponse = true }
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            responsesPending -= 1
            if closeAfterResponse {
                phase = .closing
                closeAfter(write: data, promise: promise, context: context)
                return
            }
            context.write(data, promise: promise)
            if responsesPending == 0, case .answering = phase {
                enter(.waiting(since: .now(), first: false), context: context)
            }
        }
    }

    // MARK: Phases and the deadline

    private func enter(_ next: Phase, context: ChannelHandlerContext) {
        let wasWaiting = phase.isWaiting
        phase = next
        if !refused, wasWaiting != next.isWaiting, context.channel.isActive {
            if case .waiting(let since, _) = next {
                registry.markWaiting(context.channel, since: since)
            } else {
                registry.markBusy(context.channel)
            }
        }
        scheduleTimer(context: context)
    }

    private var deadline: NIODeadline? {
        switch phase {
        case .waiting(let since, let first): since + TimeAmount(first ? limits.headerTimeout : limits.idleTimeout)
        case .readingHead(let deadline): deadline
        case .readingBody(let lastProgress): lastProgress + TimeAmount(limits.bodyTimeout)
        case .answering, .closing: nil
        }
    }

    /// When the timer should look next: at the deadline, but while waiting no later than a request
    /// head would be due if its first byte came now. A keep-alive connection's requests then leave
    /// the timer where it is (a new deadline is later than it) instead of moving it twice each.
    private var wakeUp: NIODeadline? {
        guard let deadline else { return nil }
        guard case .waiting(let since, _) = phase else { return deadline }
        let headDue = since + TimeAmount(limits.headerTimeout)
        return headDue > .now() ? min(headDue, deadline) : deadline
    }

    /// One timer per connection, set for ``wakeUp`` or earlier; when it fires before the deadline
    /// (the deadline moved on), it is set again.
    private func scheduleTimer(context: ChannelHandlerContext) {
        guard let deadline = wakeUp else { return }
        if let timer, timer.deadline <= deadline { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            deadlinePassed(context: context)
        }
        timer = (deadline, task)
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        guard let deadline else { return }
        guard deadline <= .now() else {
            scheduleTimer(context: context)
            return
        }
        switch phase {
        case .readingHead where responsesPending == 0:
            answer(.requestTimeout, "Timed out reading the request headers.", context: context)
        case .waiting, .readingHead, .readingBody:
            // An idle connection is closed without an answer, as HTTP allows; a body is the
            // application's to answer, so the connection just ends.
            phase = .closing
            context.close(promise: nil)
        case .answering, .closing:
            break
        }
    }

    // MARK: Answers of its own

    /// Answers with a `{"detail": …}` body and closes; what else the client sends is discarded.
    private func answer(_ status: HTTPResponse.Status, _ detail: String, headers: HTTPFields = [:], context: ChannelHandlerContext) {
        phase = .closing
        if !refused, context.channel.isActive { registry.markBusy(context.channel) }
        let body = ByteBuffer(bytes: JSONResponse.encode(["detail": detail]))
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        fields[.date] = Self.httpDate()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        closeAfter(write: wrapOutboundOut(.end(nil)), promise: nil, context: context)
    }

    /// Flushes `data`, then closes the output, so the client reads the answer to its end, and the
    /// input when the client closes its side, at most `lingerTimeout` later. Closing both at once
    /// with request bytes unread makes the kernel reset the connection, which can destroy the
    /// answer before the client reads it.
    private func closeAfter(write data: NIOAny, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        let written = promise ?? context.eventLoop.makePromise()
        context.writeAndFlush(data, promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: Self.lingerTimeout) { channel.close(promise: nil) }
        }
    }

    private static let lingerTimeout = TimeAmount.seconds(2)

    /// RFC 9110's IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (the C locale's names).
    private static func httpDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
