@testable import CitiesCore
import Foundation
import Testing

/// An answer outlives the versions whose changes touch none of what it was made from, and no other.
@Suite struct AnswerVersionTests {
    private static let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func city(_ id: Int64, _ name: String) -> City {
        City(id: id, slug: name.lowercased(), draft: CityDraft(name: name, countryCode: "DE", timezone: "Europe/Berlin"), createdAt: Self.now, updatedAt: Self.now)
    }

    private func state() -> CityCountsState {
        CityCountsState(cities: [city(1, "Aachen"), city(2, "Bonn")], counts: [1: ["concert": 2], 2: ["concert": 1]],
                        ending: [.init(cityID: 1, category: "concert", endsAt: Self.now + 60)], watermark: Self.now, horizon: Self.now + 3600)
    }

    @Test func aCountChangeInvalidatesOnlyTheAnswersAboutThatCity() {
        var state = state()
        let before = state.version
        state.apply(.init(cityID: 2, category: "concert", endsAt: Self.now + 86_400), delta: 1)
        #expect(state.version > before)
        #expect(state.answers.keeps(answerMadeAt: before, from: .cities([1], listing: false)))
        #expect(state.answers.keeps(answerMadeAt: before, from: .cities([1], listing: true)), "counts do not move a list's membership")
        #expect(!state.answers.keeps(answerMadeAt: before, from: .cities([2], listing: false)))
        #expect(!state.answers.keeps(answerMadeAt: before, from: .cities([1, 2], listing: true)))
        #expect(!state.answers.keeps(answerMadeAt: before, from: .everything))
        #expect(state.answers.keeps(answerMadeAt: state.version, from: .everything))
    }

    @Test func timePassingInvalidatesTheCitiesWhoseEventsEnded() {
        var state = state()
        let before = state.version
        state.advance(to: Self.now + 30)
        #expect(state.version == before, "nothing ended yet")
        state.advance(to: Self.now + 61)
        #expect(state.eventCount(of: 1) == 1)
        #expect(!state.answers.keeps(answerMadeAt: before, from: .cities([1], listing: false)))
        #expect(state.answers.keeps(answerMadeAt: before, from: .cities([2], listing: true)))
    }

    @Test func cityWritesInvalidateThatCityAndEveryList() {
        var state = state()
        let before = state.version
        state.upsertCity(city(1, "Aix-la-Chapelle"))
        #expect(!state.answers.keeps(answerMadeAt: before, from: .cities([1], listing: false)))
        #expect(state.answers.keeps(answerMadeAt: before, from: .cities([2], listing: false)), "another city's detail stays")
        #expect(!state.answers.keeps(answerMadeAt: before, from: .cities([2], listing: true)), "a list may now hold the renamed city")
        let afterRename = state.version
        state.removeCity(id: 2)
        #expect(!state.answers.keeps(answerMadeAt: afterRename, from: .cities([2], listing: false)))
        #expect(!state.answers.keeps(answerMadeAt: afterRename, from: .cities([1], listing: true)))
        #expect(state.answers.keeps(answerMadeAt: afterRename, from: .cities([1], listing: false)))
    }

    @Test func aReloadKeepsNothingMadeBefore() {
        var state = state()
        let before = state.version
        state.replaceCities([city(1, "Aachen"), city(2, "Bonn")])
        #expect(!state.answers.keeps(answerMadeAt: before, from: .cities([1], listing: false)))
        #expect(!AnswerVersion(version: 7).keeps(answerMadeAt: 6, from: .cities([], listing: false)), "a bare version keeps nothing from before")
        #expect(!state.answers.keeps(answerMadeAt: state.version + 1, from: .everything), "nor anything from a version it has not reached")
    }
}
