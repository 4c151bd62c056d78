import NIOCore
import NIOPosix

/// A loopback stand-in for a PostgreSQL server shutting down while a client connects: it answers
/// the startup packet with AuthenticationOk and a WARNING notice (as a backend told to stop immediately does), then a
/// FATAL error, and closes.
struct NoticeThenFatalServer {
    static let notice = "citiesd-test: terminating connection due to immediate shutdown command\nsecond line of the notice"

    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start() async throws -> NoticeThenFatalServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Responder()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return NoticeThenFatalServer(channel: channel)
    }

    func close() async { try? await channel.close() }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var answered = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            var reply = context.channel.allocator.buffer(capacity: 256)
            reply.writeInteger(Character("R").asciiValue!)  // AuthenticationOk
            reply.writeInteger(Int32(8))
            reply.writeInteger(Int32(0))
            Self.writeMessage("N", fields: [("S", "WARNING"), ("V", "WARNING"), ("C", "57P01"), ("M", NoticeThenFatalServer.notice)], to: &reply)
            Self.writeMessage("E", fields: [("S", "FATAL"), ("V", "FATAL"), ("C", "57P01"), ("M", "the database system is shutting down")], to: &reply)
            let channel = context.channel
            context.writeAndFlush(NIOAny(reply)).whenComplete { _ in channel.close(promise: nil) }
        }

        /// A protocol 3 NoticeResponse/ErrorResponse: type byte, length, (code, text NUL)*, NUL.
        private static func writeMessage(_ type: Character, fields: [(String, String)], to buffer: inout ByteBuffer) {
            var body = ByteBuffer()
            for (code, text) in fields {
                body.writeString(code)
                body.writeString(text)
                body.writeInteger(UInt8(0))
            }
            body.writeInteger(UInt8(0))
            buffer.writeInteger(type.asciiValue!)
            buffer.writeInteger(Int32(4 + body.readableBytes))
            buffer.writeBuffer(&body)
        }
    }
}
