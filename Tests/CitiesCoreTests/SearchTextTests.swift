import CitiesCore
import Foundation
import Testing

@Suite struct SearchTextTests {
    @Test func asciiFoldsAsFoundationFoldsIt() {
        let ascii = String(decoding: (1...127).map { UInt8($0) }, as: UTF8.self)
        #expect(SearchText.fold(ascii) == ascii.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil))
        #expect(SearchText.fold("Köln ＡＢ") == "koln ab")
    }
}
