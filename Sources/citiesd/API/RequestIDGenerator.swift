import Synchronization

/// Ids for requests the gateway sent none for, shaped as UUIDs (8-4-4-4-12 lower-case hex): a
/// random half chosen at start and a counter from a random start, so ids stay apart across
/// replicas and restarts without the system's random source and `UUID`'s formatting per request.
enum RequestIDGenerator {
    private static let high = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    static func next() -> String {
        let low = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits: StaticString = "0123456789abcdef"
            var position = 0
            func append(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    text[position] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    position += 1
                }
            }
            func dash() {
                text[position] = UInt8(ascii: "-")
                position += 1
            }
            append(high >> 32, nibbles: 8)
            dash()
            append(high >> 16, nibbles: 4)
            dash()
            append(high, nibbles: 4)
            dash()
            append(low >> 48, nibbles: 4)
            dash()
            append(low, nibbles: 12)
            return position
        }
    }
}
