import Foundation
import NIOCore

/// Peers whose `X-Forwarded-*` headers are believed: a list of addresses or CIDR blocks, IPv4 or IPv6.
struct TrustedProxies: Sendable, Hashable {
    struct Block: Sendable, Hashable {
        let address: [UInt8]
        let prefixLength: Int

        func contains(_ candidate: [UInt8]) -> Bool {
            guard candidate.count == address.count else { return false }
            var remaining = prefixLength
            for (left, right) in zip(address, candidate) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
                if left & mask != right & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    static let loopback = try! TrustedProxies("127.0.0.0/8,::1")

    let blocks: [Block]

    /// Parses `127.0.0.1,10.0.0.0/8,::1`; an empty string trusts no one.
    init(_ list: String) throws {
        blocks = try list.split(separator: ",").map { entry in
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1)
            guard let address = parts.first.flatMap({ Self.bytes(of: String($0)) }) else {
                throw TrustedProxiesError(entry: String(entry))
            }
            let length = parts.count == 2 ? Int(parts[1]) : address.count * 8
            guard let length, (0...(address.count * 8)).contains(length) else { throw TrustedProxiesError(entry: String(entry)) }
            return Block(address: address, prefixLength: length)
        }
    }

    func contains(_ peer: SocketAddress?) -> Bool {
        guard let ip = peer?.ipAddress, let bytes = Self.bytes(of: ip) else { return false }
        let mapped = bytes.count == 16 && bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] ? Array(bytes.suffix(4)) : bytes
        return blocks.contains { $0.contains(bytes) || $0.contains(mapped) }
    }

    static func bytes(of address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

struct TrustedProxiesError: Error, CustomStringConvertible {
    let entry: String
    var description: String { "trusted proxy \"\(entry)\" is not an IP address or CIDR block (e.g. 10.0.0.0/8)" }
}
