import Foundation
import CitiesCore
import Hummingbird

/// DRF's PageNumberPagination: `page` (1-based, or `last`) and `page_size` (default 50, at most
/// 1000; an invalid size falls back to the default), `{"count", "next", "previous", "results"}`
/// with absolute links.
struct Pagination {
    static let defaultPageSize = 50
    static let maximumPageSize = 1000

    /// nil for `page=last`.
    let page: Int?
    let pageSize: Int

    static let parameterNames = ["page", "page_size"]

    init(_ query: CanonicalQuery) throws {
        if let size = query.value("page_size").flatMap({ Int($0) }), size > 0 {
            pageSize = min(size, Self.maximumPageSize)
        } else {
            pageSize = Self.defaultPageSize
        }
        switch query.value("page") {
        case nil: page = 1
        case "last": page = nil
        case let text?:
            // Beyond this the row offset would overflow; no such page exists anyway.
            guard let number = Int(text), number >= 1, number <= Int.max / Self.maximumPageSize else { throw APIError.invalidPage }
            page = number
        }
    }

    /// The page to ask the store for; `last` needs the count first, so it asks for page 1 to learn it.
    var requestedPage: Int { page ?? 1 }

    var wantsLast: Bool { page == nil }

    static func lastPage(count: Int, pageSize: Int) -> Int { max(1, (count + pageSize - 1) / pageSize) }

    /// Checks the page exists (page 1 always does) and builds the body; the links carry the
    /// recognised parameters of `query` only.
    func body<Item: JSONWritable>(count: Int, page current: Int, results: [Item], query: CanonicalQuery, request: Request, context: CitiesRequestContext) throws -> Page<Item> {
        let last = Self.lastPage(count: count, pageSize: pageSize)
        guard current <= last else { throw APIError.invalidPage }
        func link(page: Int?) -> String {
            AbsoluteURL.path(context, request.uri.path + query.replacing("page", with: page.map(String.init)).queryString)
        }
        let next = current < last ? link(page: current + 1) : nil
        let previous = current <= 1 ? nil : link(page: current == 2 ? nil : current - 1)
        return Page(count: count, next: next, previous: previous, results: results)
    }
}

struct Page<Item: JSONWritable>: JSONWritable {
    let count: Int
    let next: String?
    let previous: String?
    let results: [Item]

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("count", count)
        json.field("next", next)
        json.field("previous", previous)
        json.field("results", results)
        json.endObject()
    }
}

/// Absolute links to this service, as its clients see it (``ProxyHeadersMiddleware``).
enum AbsoluteURL {
    static func path(_ context: CitiesRequestContext, _ path: String) -> String {
        context.publicBaseURL + path
    }
}
