import CitiesCore
import Foundation
import Hummingbird

/// The cities API's views. They stay thin: parse, call the serializer and the repository, render.
struct CitiesController: Sendable {
    let repository: any CitiesRepository
    let cache: RepresentationCache
    let eventCountsRenderer = EventCountsRenderer()
    let serializer = CitySerializer()
    let eventSerializer = EventSerializer()
    let bodyLimit: Int
    let ingest: IngestMetrics
    static let maximumEventsPerRequest = 10_000
    static let maximumBuckets = 1_000

    /// The query parameters each `GET` view reads; no other parameter changes its answer.
    static let listParameters = Pagination.parameterNames + ["ordering", "search", "country_code", "is_active"]
    static let eventCountsParameters = ["from", "to", "category", "country_code"]
    static let histogramParameters = ["interval", "from", "to", "category"]

    /// Paths relative to the API prefix.
    var routes: [APIRoute] {
        [
            APIRoute("", listView), APIRoute("event-counts/", eventCountsView), APIRoute("events/", eventsView),
            APIRoute("events/:external_id/", eventView), APIRoute(":id/", detailView), APIRoute(":id/event-counts/", histogramView),
        ]
    }

    // MARK: Views

    var listView: APIView {
        APIView(name: "City List", description: "Cities with their current event counts; create a city.")
            .on(.get) { request, context in
                try await cachedGET(request, context, recognising: Self.listParameters) { try await list($0, request, context, now: $1) }
            }
            .on(.post, fields: CitySerializer.fields) { request, context in try await create(&request, context) }
    }

    var detailView: APIView {
        APIView(name: "City Instance", description: "One city with its event count; update or delete it.")
            .on(.get) { request, context in try await cachedGET(request, context, recognising: []) { try await detail(try cityID(context), now: $1) } }
            .on(.put, fields: CitySerializer.fields) { request, context in try await update(&request, context, id: try cityID(context), partial: false) }
            .on(.patch) { request, context in try await update(&request, context, id: try cityID(context), partial: true) }
            .on(.delete) { _, context in try await delete(try cityID(context), context) }
    }

    var eventCountsView: APIView {
        APIView(name: "Event Counts", description: "Every active city with its event count: the search page's call.")
            .on(.get) { request, context in
                try await cachedGET(request, context, recognising: Self.eventCountsParameters) { try await eventCounts($0, now: $1) }
            }
    }

    var histogramView: APIView {
        APIView(name: "City Event Counts", description: "One city's event counts per day, week or month over [from, to).")
            .on(.get) { request, context in
                try await cachedGET(request, context, recognising: Self.histogramParameters) { query, _ in try await histogram(query, id: try cityID(context)) }
            }
    }

    var eventsView: APIView {
        APIView(name: "Event Bulk Upsert", description: "Create or update up to 10,000 events at once, all or none.")
            .on(.put, fields: EventSerializer.fields) { request, context in try await upsertEvents(&request, context) }
    }

    var eventView: APIView {
        APIView(name: "Event Instance", description: "Remove one event by its events-service id.")
            .on(.delete) { _, context in
                let externalID = context.parameters.get("external_id") ?? ""
                return try await answer(context, {
                    guard try await repository.delete(externalID: externalID) else { throw APIError.notFound }
                    return true
                }) { _ in StoredResponse(status: HTTPResponse.Status.noContent.code) }
            }
    }

    // MARK: Handlers

    /// A `GET` answered from the cache when the answers have not changed, with `ETag`/304. Its
    /// answer depends only on the recognised parameters, so the cache key holds only those.
    private func cachedGET(
        _ request: Request, _ context: CitiesRequestContext, recognising names: [String],
        _ render: (CanonicalQuery, Date) async throws -> Representation
    ) async throws -> Response {
        let now = Date()
        let query = try CanonicalQuery(request, recognising: names)
        let key = context.publicBaseURL + request.uri.path + query.queryString
        let representation = try await cache.representation(forKey: key, now: now) { try await render(query, now) }
        return ConditionalGET.response(representation, for: request)
    }

    private func list(_ query: CanonicalQuery, _ request: Request, _ context: CitiesRequestContext, now: Date) async throws -> Representation {
        let pagination = try Pagination(query)
        var parameters = QueryParameters(query)
        let ordering = parameters.value("ordering").flatMap(CityOrdering.init(parameter:)) ?? CityOrdering(.name)
        let countryCode = parameters.countryCode()
        let isActive = parameters.bool("is_active")
        let search = parameters.text("search")
        try parameters.check()
        var listQuery = CityListQuery(page: pagination.requestedPage, pageSize: pagination.pageSize, ordering: ordering,
                                      search: search, countryCode: countryCode, isActive: isActive)
        var page = try await repository.list(listQuery, now: now)
        if pagination.wantsLast {
            listQuery.page = Pagination.lastPage(count: page.count, pageSize: pagination.pageSize)
            if listQuery.page != 1 { page = try await repository.list(listQuery, now: now) }
        }
        let results = page.results.map { serializer.representation(of: $0.city, eventCount: $0.eventCount) }
        // Ordered by count, any count can move a city onto the page; otherwise only its own cities
        // and which cities there are can change it.
        let byCount = listQuery.ordering.terms.contains { $0.field == .eventCount }
        return Representation(json: try pagination.body(count: page.count, page: listQuery.page, results: results, query: query, request: request, context: context),
                              inputs: byCount ? .everything : .cities(page.results.map(\.city.id), listing: true))
    }

    private func create(_ request: inout Request, _ context: CitiesRequestContext) async throws -> Response {
        let data = try await RequestBody.json(&request, limit: bodyLimit)
        let draft = try serializer.validate(data)
        let collection = AbsoluteURL.path(context, request.uri.path)
        return try await answer(context, { try await repository.create(draft) }) { [serializer] city in
            .json(serializer.representation(of: city, eventCount: 0), status: .created, location: collection + "\(city.id)/")
        }
    }

    private func detail(_ id: Int64, now: Date) async throws -> Representation {
        guard let found = try await repository.city(id: id, now: now) else { throw APIError.notFound }
        return Representation(json: serializer.representation(of: found.city, eventCount: found.eventCount), inputs: .cities([id], listing: false))
    }

    private func update(_ request: inout Request, _ context: CitiesRequestContext, id: Int64, partial: Bool) async throws -> Response {
        guard let existing = try await repository.city(id: id, now: Date()) else { throw APIError.notFound }
        let data = try await RequestBody.json(&request, limit: bodyLimit)
        let draft = try serializer.validate(data, instance: existing.city.draft, partial: partial)
        return try await answer(context, {
            guard let updated = try await repository.update(id: id, with: draft) else { throw APIError.notFound }
            return updated
        }) { [serializer] updated in .json(serializer.representation(of: updated, eventCount: existing.eventCount), status: .ok) }
    }

    private func delete(_ id: Int64, _ context: CitiesRequestContext) async throws -> Response {
        try await answer(context, {
            guard try await repository.delete(id: id) else { throw APIError.notFound }
            return true
        }) { _ in StoredResponse(status: HTTPResponse.Status.noContent.code) }
    }

    private func eventCounts(_ query: CanonicalQuery, now: Date) async throws -> Representation {
        var parameters = QueryParameters(query)
        let window = parameters.window()
        let categories = parameters.categories()
        let countryCode = parameters.countryCode()
        try parameters.check()
        let rows = try await repository.eventCounts(EventCountFilter(window: window, categories: categories), countryCode: countryCode, now: now)
        // A window is counted from the events themselves, which any write may move.
        return eventCountsRenderer.render(rows, inputs: window == nil ? .cities(rows.map(\.id), listing: true) : .everything)
    }

    private func histogram(_ query: CanonicalQuery, id: Int64) async throws -> Representation {
        var parameters = QueryParameters(query)
        let interval = parameters.choice("interval") { CountInterval(rawValue: $0) }
        if parameters.value("interval") == nil { parameters.errors.add("This field is required.", to: "interval") }
        let window = parameters.boundedWindow()
        let categories = parameters.categories()
        if let interval, let window, interval.bucketCount(from: window.start, to: window.end) > Self.maximumBuckets {
            parameters.errors.add("Ensure the window holds at most \(Self.maximumBuckets) \(interval.rawValue)s.", to: "to")
        }
        try parameters.check()
        guard let interval, let window,
              let buckets = try await repository.histogram(cityID: id, interval: interval, from: window.start, to: window.end, categories: categories)
        else { throw APIError.notFound }
        let body: JSONValue = .object([
            "id": .integer(id),
            "interval": .string(interval.rawValue),
            "from": .string(ISOTimestamp.string(from: window.start)),
            "to": .string(ISOTimestamp.string(from: window.end)),
            "results": .array(buckets.map { bucket in
                .object(["start": .string(ISOTimestamp.string(from: bucket.start)), "end": .string(ISOTimestamp.string(from: bucket.end)),
                         "count": .integer(Int64(bucket.count))])
            }),
        ])
        return Representation(json: body)
    }

    private func upsertEvents(_ request: inout Request, _ context: CitiesRequestContext) async throws -> Response {
        let data = try await RequestBody.json(&request, limit: bodyLimit)
        let events = try eventSerializer.validateList(data, maximumCount: Self.maximumEventsPerRequest)
        return try await answer(context, {
            let summary = try await repository.upsert(events)
            ingest.upserted(batch: events.count, summary)
            return summary
        }) { .json($0, status: .ok) }
    }

    /// Answers a write with `render` of its result. Under an idempotency key the repository saves
    /// that answer in the write's own transaction (``PendingAnswer``), so a retry finds it exactly
    /// when the write committed. `render` gets what the repository method returned (`true` for a
    /// delete).
    private func answer<Result: Sendable>(
        _ context: CitiesRequestContext, _ write: () async throws -> Result, render: @escaping @Sendable (Result) -> StoredResponse
    ) async throws -> Response {
        guard let key = context.idempotencyKey else { return Response(render(try await write())) }
        return Response(render(try await PendingAnswer.$current.withValue(PendingAnswer(key: key, render: render), operation: write)))
    }

    private func cityID(_ context: CitiesRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else { throw APIError.notFound }
        return id
    }
}
