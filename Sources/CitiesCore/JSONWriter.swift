/// Writes JSON straight into bytes, as every response of the API is rendered: the same bytes
/// Foundation's `JSONEncoder` gives with `.sortedKeys` and `.withoutEscapingSlashes`, without its
/// boxing into containers, its key sorting per object and its intermediate strings.
///
/// The output matches `JSONEncoder` in every detail a client or an `ETag` could see (tested byte
/// for byte on random values): strings escape `"`, `\` and the control characters only (RFC 8259
/// §7; `\b \t \n \f \r`, others as lower-case `\u00xx`), everything else stays UTF-8; numbers are
/// written as Swift prints them, a `.0` fraction dropped (`1.0` → `1`, `1e-07`); object keys in
/// UTF-8 byte order. A value JSON cannot hold — a non-finite number — is written `null`, where
/// `JSONEncoder` would throw.
///
/// Objects are written field by field (``field(_:_:)``), keys in ascending order: the writer does
/// not sort fixed keys, so a type lists its fields already sorted, as its test against
/// `JSONEncoder` checks.
///
/// It writes into memory of its own, not an `Array`: a body is thousands of small appends, and an
/// array checks uniqueness and capacity on each. Its generic entry points are inlinable, so the
/// arrays and fields of a body are specialised where the body is rendered instead of dispatched
/// element by element (a third of a render's time before).
@usableFromInline package struct JSONWriter: ~Copyable {
    @usableFromInline var storage: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    /// A value or a closed container was just written: the next value or key is preceded by `,`.
    @usableFromInline var needsComma = false

    @usableFromInline package init(reservingCapacity capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// What has been written so far.
    @inlinable package var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: storage, count: count))
    }

    /// The JSON of one value.
    @inlinable package static func bytes(of value: some JSONWritable, reservingCapacity capacity: Int = 256) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: capacity)
        value.write(to: &writer)
        return writer.bytes
    }

    // MARK: Containers

    @inlinable package mutating func beginObject() {
        separate()
        append(UInt8(ascii: "{"))
        needsComma = false
    }

    @inlinable package mutating func endObject() {
        append(UInt8(ascii: "}"))
        needsComma = true
    }

    @inlinable package mutating func beginArray() {
        separate()
        append(UInt8(ascii: "["))
        needsComma = false
    }

    @inlinable package mutating func endArray() {
        append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A key that needs no escaping (a literal ASCII name), then its value.
    @inlinable package mutating func field(_ key: StaticString, _ value: some JSONWritable) {
        separate()
        append(UInt8(ascii: "\""))
        key.withUTF8Buffer { append($0) }
        append(UInt8(ascii: "\""))
        append(UInt8(ascii: ":"))
        needsComma = false
        value.write(to: &self)
    }

    /// A key of any text (escaped), then its value.
    @inlinable package mutating func field(named key: String, _ value: some JSONWritable) {
        writeString(key)
        append(UInt8(ascii: ":"))
        needsComma = false
        value.write(to: &self)
    }

    /// An object of `fields`, keys in UTF-8 byte order as `JSONEncoder`'s `.sortedKeys` has them.
    @inlinable package mutating func writeObject<Value: JSONWritable>(_ fields: [String: Value]) {
        beginObject()
        for (key, value) in fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            field(named: key, value)
        }
        endObject()
    }

    @inlinable package mutating func writeArray<Elements: Sequence>(_ elements: Elements) where Elements.Element: JSONWritable {
        beginArray()
        for element in elements { element.write(to: &self) }
        endArray()
    }

    // MARK: Scalars

    @usableFromInline package mutating func writeNull() {
        separate()
        Self.null.withUTF8Buffer { append($0) }
        needsComma = true
    }

    @usableFromInline package mutating func writeBool(_ value: Bool) {
        separate()
        (value ? Self.true : Self.false).withUTF8Buffer { append($0) }
        needsComma = true
    }

    @usableFromInline package mutating func writeInteger(_ value: Int64) {
        separate()
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(UnsafeBufferPointer(rebasing: digits[first...]))
        }
        needsComma = true
    }

    @usableFromInline package mutating func writeNumber(_ value: Double) {
        guard value.isFinite else { return writeNull() }
        separate()
        let text = value.description
        var digits = text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        digits.withUTF8 { append($0) }
        needsComma = true
    }

    @usableFromInline package mutating func writeString(_ value: String) {
        separate()
        append(UInt8(ascii: "\""))
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var native = value
            native.withUTF8 { appendEscaped($0) }
        }
        append(UInt8(ascii: "\""))
        needsComma = true
    }

    // MARK: Bytes

    @inlinable mutating func separate() {
        if needsComma { append(UInt8(ascii: ",")) }
    }

    @inlinable mutating func reserve(_ additional: Int) {
        if count + additional > capacity { grow(to: count + additional) }
    }

    @usableFromInline mutating func grow(to needed: Int) {
        let grown = max(needed, capacity * 2)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: storage, count: count)
        storage.deallocate()
        storage = larger
        capacity = grown
    }

    @inlinable mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inlinable mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let source = buffer.baseAddress, !buffer.isEmpty else { return }
        reserve(buffer.count)
        (storage + count).update(from: source, count: buffer.count)
        count += buffer.count
    }

    private mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Copies runs that need no escape at once; escapes `"`, `\` and U+0000–U+001F.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            runStart = index + 1
            append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte)
            case 0x08: append(UInt8(ascii: "b"))
            case 0x09: append(UInt8(ascii: "t"))
            case 0x0A: append(UInt8(ascii: "n"))
            case 0x0C: append(UInt8(ascii: "f"))
            case 0x0D: append(UInt8(ascii: "r"))
            default:
                append([UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]])
            }
        }
        append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let null: StaticString = "null"
    private static let `true`: StaticString = "true"
    private static let `false`: StaticString = "false"
}
