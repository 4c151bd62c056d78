import CitiesCore
import Hummingbird
import Synchronization

/// Renders `P/event-counts/` city by city: each row's JSON is kept, keyed by the row itself, so
/// when the counts move on, only the cities whose row changed are encoded again and the others'
/// bytes are copied. With 34,000 cities a new version costs a copy of the answer, not an encoding
/// of 34,000 objects. The bytes equal encoding the whole array at once.
final class EventCountsRenderer: Sendable {
    private struct Fragment: Sendable {
        let row: CityEventCount
        let json: [UInt8]
    }

    /// Per city, its most recent rows (different filters give a city different counts).
    private let fragments = Mutex<[Int64: [Fragment]]>([:])
    private static let rowsKeptPerCity = 4

    func render(_ rows: [CityEventCount], inputs: AnswerInputs) -> Representation {
        let known = fragments.withLock { $0 }
        var made: [Fragment] = []
        let parts = rows.map { row -> [UInt8] in
            if let kept = known[row.id]?.first(where: { $0.row == row }) { return kept.json }
            let fragment = Fragment(row: row, json: JSONResponse.encode(row))
            made.append(fragment)
            return fragment.json
        }
        if !made.isEmpty { keep(made, rendered: rows) }
        var body = ByteBuffer()
        body.reserveCapacity(parts.reduce(2 + parts.count) { $0 + $1.count })
        body.writeInteger(UInt8(ascii: "["))
        for (index, part) in parts.enumerated() {
            if index > 0 { body.writeInteger(UInt8(ascii: ",")) }
            body.writeBytes(part)
        }
        body.writeInteger(UInt8(ascii: "]"))
        return Representation(body: body, inputs: inputs)
    }

    /// Keeps new fragments first; forgets cities gone from every answer once the map holds far
    /// more cities than an answer has.
    private func keep(_ made: [Fragment], rendered rows: [CityEventCount]) {
        fragments.withLock { fragments in
            for fragment in made {
                fragments[fragment.row.id, default: []].insert(fragment, at: 0)
                if fragments[fragment.row.id]!.count > Self.rowsKeptPerCity { fragments[fragment.row.id]!.removeLast() }
            }
            if fragments.count > 2 * rows.count + 1024 {
                let current = Set(rows.map(\.id))
                fragments = fragments.filter { current.contains($0.key) }
            }
        }
    }
}
