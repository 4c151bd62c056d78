import CitiesCore
import Foundation
import Hummingbird
import Testing

@testable import citiesd

@Suite struct EventCountsRendererTests {
    /// City by city or all at once, the bytes (and so the entity tag) are the same, however the
    /// rows changed between renders.
    @Test func rendersTheBytesOfTheWholeArrayAsCountsChange() {
        let renderer = EventCountsRenderer()
        var rows = (1...300).map { id in
            CityEventCount(id: Int64(id), slug: "city-\(id)", name: id % 7 == 0 ? "Zürich \"\(id)\"/\\ 東京" : "City \(id)", eventCount: id % 5)
        }
        var generator = SystemRandomNumberGenerator()
        for round in 0..<6 {
            let rendered = renderer.render(rows, inputs: .everything)
            let whole = Representation(json: rows)
            #expect(Array(rendered.body.readableBytesView) == Array(whole.body.readableBytesView), "round \(round)")
            #expect(rendered.etag == whole.etag)
            for _ in 0..<10 { rows[Int.random(in: 0..<rows.count, using: &generator)].eventCount += 1 }
            if round == 2 { rows.removeFirst(50) }
            if round == 3 { rows[0].name = "Renamed" }
        }
        #expect(Array(renderer.render([], inputs: .everything).body.readableBytesView) == Array("[]".utf8))
    }
}
