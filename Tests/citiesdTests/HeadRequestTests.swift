import CitiesCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import citiesd

/// `HEAD` is `GET` without the body: same status and headers, `Content-Length` included, through
/// a live server (the HTTP/1 encoder is what drops the body).
@Suite struct HeadRequestTests {
    @Test func everyHeadAnswerAnnouncesTheLengthGETSends() async throws {
        try await withAPI(over: .live) { api in
            let city = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            guard case .integer(let id) = city["id"] else { Issue.record("\(city)"); return }
            let uris = [
                "/ws/cities/", "/ws/cities/?ordering=-population&page_size=1", "/ws/cities/\(id)/", "/ws/cities/event-counts/",
                "/ws/cities/event-counts/?from=2026-01-01", "/ws/cities/\(id)/event-counts/?interval=day&from=2026-01-01&to=2026-01-03",
                "/ws/cities/schema/", "/ws/cities/health/", "/ws/cities/ready/",
                "/ws/cities/424242/", "/ws/cities/?page=9", "/ws/cities/?is_active=maybe", "/ws/cities/\(id)/event-counts/?interval=day",
                "/ws/nothing-here/", "/ws/cities/event-counts",
            ]
            for uri in uris {
                let get = try await api.request(uri)
                let head = try await api.request(uri, .head)
                #expect(head.status == get.status, "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.headers[.eTag] == get.headers[.eTag], "\(uri)")
            }
            let notAllowed = try await api.request("/ws/cities/events/", .head)
            #expect(notAllowed.status == .methodNotAllowed)
            #expect(notAllowed.headers[.contentLength] == String(#"{"detail":"Method \"HEAD\" not allowed."}"#.utf8.count), "as DRF names the method")
            let notAcceptable = try await api.request("/ws/cities/", .head, headers: [.accept: "text/html"])
            #expect(notAcceptable.status == .notAcceptable)
            #expect(notAcceptable.headers[.contentLength] == String(try await api.request("/ws/cities/", headers: [.accept: "text/html"]).body.readableBytes))
        }
    }
}
