import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A client connection speaking raw bytes, for what HTTP client libraries won't do: send half a
/// request, stay silent, or keep one connection across a server's shutdown.
final class RawConnection {
    struct Response {
        let status: Int
        let headers: [(name: String, value: String)]
        let body: String

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    struct TimedOut: Error {}
    struct Closed: Error {}
    struct NotHTTP: Error { let text: String }

    private let channel: any Channel
    private var inbound: AsyncStream<ByteBuffer>.Iterator
    private var received = ByteBuffer()

    init(port: Int, host: String = "127.0.0.1") async throws {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(continuation)) }
            }
            .connect(host: host, port: port).get()
        inbound = stream.makeAsyncIterator()
    }

    deinit { channel.close(promise: nil) }

    /// Sends on this connection from another task.
    struct Writer: Sendable {
        let channel: any Channel

        func send(_ text: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: text))
        }

        /// Sends `text` a byte at a time, one every `interval`, timed on the channel's event loop:
        /// tests blocking Swift's cooperative threads cannot stretch the gaps.
        func trickle(_ text: String, every interval: TimeAmount) async throws {
            let bytes = Array(text.utf8)
            let channel = channel
            let done = channel.eventLoop.makePromise(of: Void.self)
            channel.eventLoop.execute {
                let sent = NIOLoopBoundBox(0, eventLoop: channel.eventLoop)
                channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
                    guard sent.value < bytes.count, channel.isActive else {
                        task.cancel()
                        sent.value < bytes.count ? done.fail(Closed()) : done.succeed()
                        return
                    }
                    channel.writeAndFlush(ByteBuffer(bytes: [bytes[sent.value]]), promise: nil)
                    sent.value += 1
                }
            }
            try await done.futureResult.get()
        }
    }

    var writer: Writer { Writer(channel: channel) }

    func send(_ text: String) async throws {
        try await writer.send(text)
    }

    /// The next response (its body sized by `Content-Length`); throws `TimedOut` after `timeout`.
    func response(within timeout: Duration = .seconds(10)) async throws -> Response {
        try await untilDeadline(timeout) {
            while true {
                if let response = try parseResponse() { return response }
                guard let chunk = await inbound.next() else { throw Closed() }
                received.writeImmutableBuffer(chunk)
            }
        }
    }

    /// How long since `started` until the server closed the connection (anything it sent is
    /// discarded); nil if it was still open after `timeout`. Pass an instant from before what
    /// starts the server's timer, so a busy machine cannot make the measure shorter than the timer.
    func closedByServer(within timeout: Duration, since started: ContinuousClock.Instant = .now) async throws -> Duration? {
        do {
            try await untilDeadline(timeout) {
                while await inbound.next() != nil {}
            }
        } catch is TimedOut {
            return nil
        }
        return ContinuousClock.now - started
    }

    /// Runs `body`, closing the connection at the deadline so a read waiting in it ends; that ending
    /// is reported as `TimedOut`.
    private func untilDeadline<T>(_ timeout: Duration, _ body: () async throws -> T) async throws -> T {
        let expired = Expiry()
        let channel = channel
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            expired.flag.store(true, ordering: .relaxed)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            let result = try await body()
            if expired.flag.load(ordering: .relaxed) { throw TimedOut() }
            return result
        } catch {
            if expired.flag.load(ordering: .relaxed) { throw TimedOut() }
            throw error
        }
    }

    private func parseResponse() throws -> Response? {
        let text = String(buffer: received)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<headEnd.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw NotHTTP(text: text) }
        let headers = lines.dropFirst().map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (String(line[..<colon]), line[colon...].dropFirst().trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let headBytes = text[..<headEnd.upperBound].utf8.count
        guard received.readableBytes >= headBytes + length else { return nil }
        received.moveReaderIndex(forwardBy: headBytes)
        let body = received.readString(length: length) ?? ""
        received.discardReadBytes()
        return Response(status: status, headers: headers, body: body)
    }
}

private final class Expiry: Sendable {
    let flag = Atomic(false)
}

/// Hands what the server sends to the connection's stream, which ends when the connection closes
/// (a reset included).
private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<ByteBuffer>.Continuation

    init(_ continuation: AsyncStream<ByteBuffer>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
