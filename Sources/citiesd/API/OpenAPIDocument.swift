import CitiesCore

/// The OpenAPI 3.1 document served at `P/schema/`, built from the serializers' field descriptions so
/// it describes exactly what the views validate and render.
enum OpenAPIDocument {
    static func make(prefix: String, metadata: ServiceMetadata) -> JSONValue {
        .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("citiesd"),
                "version": .string(metadata.version),
                "description": .string("Cities and their event counts. Reads are public; writes need `Authorization: Token <key>`."),
            ]),
            "paths": .object(paths(prefix)),
            "components": .object([
                "schemas": .object(schemas),
                "securitySchemes": .object(["token": .object([
                    "type": .string("apiKey"), "in": .string("header"), "name": .string("Authorization"),
                    "description": .string("`Token <key>`; keys come from `citiesd token create NAME`."),
                ])]),
            ]),
        ])
    }

    // MARK: Paths

    private static func paths(_ prefix: String) -> [String: JSONValue] {
        let dateOrDateTime: JSONValue = ["anyOf": [["type": "string", "format": "date-time"], ["type": "string", "format": "date"]]]
        let id = parameter("id", in: "path", schema: ["type": "integer", "minimum": 1, "format": "int64"], required: true)
        let window = [
            parameter("from", schema: dateOrDateTime, description: "Start of the window [from, to); a date alone is its midnight UTC."),
            parameter("to", schema: dateOrDateTime, description: "End of the window [from, to); a date alone is its midnight UTC."),
            parameter("category", schema: ["type": "array", "maxItems": .integer(Int64(CanonicalQuery.maximumValues)),
                                           "items": ["type": "string", "pattern": slugPattern, "maxLength": .integer(Int64(EventSerializer.maximumCategoryLength))]],
                      description: "Only these categories (repeatable)."),
        ]
        let countryCode = parameter("country_code", schema: ["type": "string"], description: "ISO 3166-1 alpha-2, any case.")
        return [
            prefix + "/": pathItem(
                get: operation("listCities", "Cities with their current event counts, paginated.", parameters: [
                    parameter("page", schema: ["type": "integer", "minimum": 1]),
                    parameter("page_size", schema: ["type": "integer", "minimum": 1, "maximum": .integer(Int64(Pagination.maximumPageSize))]),
                    parameter("ordering", schema: ["type": "array", "items": ["type": "string", "enum": .array(CityOrdering.parameterValues.map(JSONValue.string))]],
                              explode: false, description: "Comma-separated fields, `-` for descending; ties by id. Unknown fields are ignored."),
                    parameter("search", schema: ["type": "string", "maxLength": .integer(Int64(QueryParameters.maximumTextLength))],
                              description: "Case- and accent-insensitive part of the name."),
                    countryCode,
                    parameter("is_active", schema: ["type": "boolean"]),
                ], ok: ref("PaginatedCityList"), errors: [400, 404], conditional: true),
                post: operation("createCity", "Create a city.", body: ref("CityInput"), ok: ref("City"), okStatus: 201, errors: [400, 413, 415], write: true,
                                headers: ["Location": .object(["schema": .object(["type": .string("string")])])])),
            prefix + "/{id}/": pathItem(
                parameters: [id],
                get: operation("getCity", "One city with its event count.", ok: ref("City"), errors: [404], conditional: true),
                put: operation("replaceCity", "Update a city (all required fields).", body: ref("CityInput"), ok: ref("City"), errors: [400, 404, 413, 415], write: true),
                patch: operation("updateCity", "Update some of a city's fields.", body: ref("CityPatch"), ok: ref("City"), errors: [400, 404, 413, 415], write: true),
                delete: operation("deleteCity", "Delete a city and its events.", ok: nil, okStatus: 204, errors: [404], write: true)),
            prefix + "/event-counts/": pathItem(
                get: operation("eventCounts", """
                    Every active city with its event count: scheduled events not over yet, or overlapping [from, to) \
                    (without from: from now; without to: no end).
                    """,
                               parameters: window + [countryCode], ok: .object(["type": "array", "items": ref("CityEventCount")]), errors: [400],
                               conditional: true)),
            prefix + "/{id}/event-counts/": pathItem(
                parameters: [id],
                get: operation("cityHistogram", "One city's event counts per interval over [from, to).", parameters: [
                    parameter("interval", schema: ["type": "string", "enum": .array(CountInterval.allCases.map { .string($0.rawValue) })], required: true),
                ] + window.prefix(2).map { withRequired($0) } + [window[2]], ok: ref("Histogram"), errors: [400, 404], conditional: true)),
            prefix + "/events/": pathItem(
                put: operation("upsertEvents", "Create or update up to 10,000 events by id, all or none.",
                               body: .object(["type": "array", "maxItems": .integer(Int64(CitiesController.maximumEventsPerRequest)), "items": ref("Event")]),
                               ok: ref("UpsertSummary"), errors: [400, 413, 415], write: true)),
            prefix + "/events/{external_id}/": pathItem(
                parameters: [parameter("external_id", in: "path", schema: ["type": "string", "minLength": 1, "maxLength": 255], required: true)],
                delete: operation("deleteEvent", "Remove one event.", ok: nil, okStatus: 204, errors: [404], write: true)),
            prefix + "/health/": pathItem(get: operation("health", "Liveness; never touches the database.", ok: ref("Health"), errors: [])),
            prefix + "/ready/": pathItem(get: operation("ready", "200 when the database answers and no migration is pending, else 503 (also once shutting down).", ok: ref("Ready"), errors: [])),
            prefix + "/schema/": pathItem(get: operation("schema", "This document.", ok: .object(["type": "object"]), errors: [])),
        ]
    }

    private static func pathItem(parameters: [JSONValue] = [], get: JSONValue? = nil, post: JSONValue? = nil, put: JSONValue? = nil, patch: JSONValue? = nil, delete: JSONValue? = nil) -> JSONValue {
        var item: [String: JSONValue] = [:]
        if !parameters.isEmpty { item["parameters"] = .array(parameters) }
        item["get"] = get
        item["post"] = post
        item["put"] = put
        item["patch"] = patch
        item["delete"] = delete
        let name = [get, post, put, patch, delete].compactMap { $0 }.first.flatMap { operation -> String? in
            if case .object(let fields) = operation, case .string(let id) = fields["operationId"] { return id }
            return nil
        } ?? "view"
        item["options"] = operation(name + "Options", "DRF metadata for this route, with the service's version, branch and stack.", ok: ref("Metadata"), errors: [])
        return .object(item)
    }

    private static func operation(
        _ id: String, _ summary: String, parameters: [JSONValue] = [], body: JSONValue? = nil, ok: JSONValue?, okStatus: Int = 200,
        errors: [Int], write: Bool = false, headers: [String: JSONValue] = [:], conditional: Bool = false
    ) -> JSONValue {
        var responses: [String: JSONValue] = [:]
        var headers = headers
        var documentedParameters = parameters
        if conditional {
            let text: JSONValue = .object(["schema": .object(["type": .string("string")])])
            headers["ETag"] = text
            headers["Cache-Control"] = text
            documentedParameters.append(parameter("If-None-Match", in: "header", schema: ["type": "string"],
                                        description: "Entity tags of a kept copy: 304 without a body when one still matches."))
            responses["304"] = .object(["description": .string("Not modified: the kept copy is current."), "headers": .object(headers)])
        }
        var statuses = Set(errors).union([406, 503])
        if write {
            statuses.formUnion([400, 401, 405, 409, 422])
            documentedParameters.append(idempotencyKey)
            headers["Idempotent-Replayed"] = .object([
                "description": "`true` on the answer kept under the request's Idempotency-Key (any status).",
                "schema": .object(["type": "string", "enum": ["true"]]),
            ])
        }
        var success: [String: JSONValue] = ["description": .string(okStatus == 204 ? "Deleted." : "OK.")]
        if let ok { success["content"] = .object(["application/json": .object(["schema": ok])]) }
        if !headers.isEmpty { success["headers"] = .object(headers) }
        responses[String(okStatus)] = .object(success)
        if !parameters.isEmpty || body != nil { statuses.insert(400) }
        for status in statuses.sorted() {
            let schema = status == 400 && (body != nil || !parameters.isEmpty) ? ref("BadRequest") : ref("Error")
            responses[String(status)] = .object(["description": .string(errorDescription(status)), "content": .object(["application/json": .object(["schema": schema])])])
        }
        var operation: [String: JSONValue] = [
            "operationId": .string(id), "summary": .string(summary), "responses": .object(responses),
        ]
        if !documentedParameters.isEmpty { operation["parameters"] = .array(documentedParameters) }
        if let body { operation["requestBody"] = .object(["required": true, "content": .object(["application/json": .object(["schema": body])])]) }
        if write { operation["security"] = .array([.object(["token": .array([])])]) }
        return .object(operation)
    }

    private static func errorDescription(_ status: Int) -> String {
        switch status {
        case 400: return "Invalid input: field errors, or {\"detail\": \"JSON parse error - …\"}."
        case 401: return "Missing or invalid token."
        case 404: return "Not found, or invalid page."
        case 405: return "Method not allowed."
        case 406: return "Accept header not satisfiable (JSON only)."
        case 409: return "A request with the same Idempotency-Key is still being processed; retry shortly."
        case 413: return "Body larger than the configured limit."
        case 415: return "Body is not application/json."
        case 422: return "The Idempotency-Key was already used with a different request (method, path or body)."
        case 503: return "Database unavailable; retry after the Retry-After seconds."
        default: return "Error."
        }
    }

    /// Optional on every write (IETF httpapi draft "The Idempotency-Key HTTP Header Field").
    private static let idempotencyKey = parameter(
        "Idempotency-Key", in: "header",
        schema: ["type": "string", "pattern": #"^"[ !#-\[\]-~]{1,255}"$"#],
        description: """
            A quoted string (RFC 8941) of 1 to 255 printable ASCII characters, e.g. a UUID. The first answer to a key is kept for \
            the token that sent it (24 hours by default); a retry with the same key, method, path and body gets that answer again \
            with `Idempotent-Replayed: true`, and no second write. 5xx answers are not kept unless the write had committed.
            """)

    /// An array is a repeated parameter (`explode`) or one comma-separated value.
    private static func parameter(
        _ name: String, in location: String = "query", schema: JSONValue, required: Bool = false, explode: Bool = true, description: String? = nil
    ) -> JSONValue {
        var parameter: [String: JSONValue] = ["name": .string(name), "in": .string(location), "required": .bool(required), "schema": schema]
        if let description { parameter["description"] = .string(description) }
        if case .object(let fields) = schema, fields["type"] == .string("array") {
            parameter["style"] = "form"
            parameter["explode"] = .bool(explode)
        }
        return .object(parameter)
    }

    private static func withRequired(_ parameter: JSONValue) -> JSONValue {
        guard case .object(var fields) = parameter else { return parameter }
        fields["required"] = true
        return .object(fields)
    }

    private static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    // MARK: Schemas

    static let slugPattern: JSONValue = "^[a-z0-9]+(-[a-z0-9]+)*$"

    private static var schemas: [String: JSONValue] {
        let nullableString: JSONValue = ["type": ["string", "null"]]
        let timestamp: JSONValue = ["type": "string", "format": "date-time"]
        return [
            "City": object(CitySerializer.fields.map { ($0.name, outputSchema($0)) }, required: CitySerializer.fields.map(\.name)),
            "CityInput": object(CitySerializer.fields.filter { !$0.readOnly }.map { ($0.name, inputSchema($0)) },
                                required: CitySerializer.fields.filter(\.required).map(\.name)),
            "CityPatch": object(CitySerializer.fields.filter { !$0.readOnly }.map { ($0.name, inputSchema($0)) }, required: []),
            "PaginatedCityList": object([
                ("count", ["type": "integer", "minimum": 0]), ("next", nullableString), ("previous", nullableString),
                ("results", ["type": "array", "items": ref("City")]),
            ], required: ["count", "next", "previous", "results"]),
            "CityEventCount": object([
                ("id", ["type": "integer"]), ("slug", ["type": "string"]), ("name", ["type": "string"]), ("event_count", ["type": "integer", "minimum": 0]),
            ], required: ["id", "slug", "name", "event_count"]),
            "Histogram": object([
                ("id", ["type": "integer"]), ("interval", ["type": "string", "enum": .array(CountInterval.allCases.map { .string($0.rawValue) })]),
                ("from", timestamp), ("to", timestamp),
                ("results", ["type": "array", "items": object([("start", timestamp), ("end", timestamp), ("count", ["type": "integer", "minimum": 0])],
                                                              required: ["start", "end", "count"])]),
            ], required: ["id", "interval", "from", "to", "results"]),
            "Event": object(EventSerializer.fields.map { ($0.name, inputSchema($0)) }, required: EventSerializer.fields.filter(\.required).map(\.name)),
            "UpsertSummary": object([("created", ["type": "integer"]), ("updated", ["type": "integer"]), ("unchanged", ["type": "integer"])],
                                    required: ["created", "updated", "unchanged"]),
            "Error": object([("detail", ["type": "string"])], required: ["detail"]),
            "BadRequest": ["oneOf": [
                ref("Error"),
                ["type": "object", "additionalProperties": ["type": "array", "items": ["type": "string"]]],
                ["type": "array", "items": ["type": "object", "additionalProperties": ["type": "array", "items": ["type": "string"]]]],
            ]],
            "Health": object([("status", ["type": "string"]), ("version", ["type": "string"]), ("branch", ["type": "string"]), ("stack", ["type": "string"])],
                             required: ["status", "version", "branch", "stack"]),
            "Ready": object([("status", ["type": "string"])], required: ["status"]),
            "Metadata": object([
                ("name", ["type": "string"]), ("description", ["type": "string"]),
                ("renders", ["type": "array", "items": ["type": "string"]]), ("parses", ["type": "array", "items": ["type": "string"]]),
                ("actions", ["type": "object"]), ("version", ["type": "string"]), ("branch", ["type": "string"]), ("stack", ["type": "string"]),
            ], required: ["name", "description", "renders", "parses", "version", "branch", "stack"]),
        ]
    }

    private static func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        .object([
            "type": "object",
            "properties": .object(Dictionary(uniqueKeysWithValues: properties)),
            "required": .array(required.map(JSONValue.string)),
        ])
    }

    /// What a field looks like in a response.
    private static func outputSchema(_ field: FieldDescription) -> JSONValue {
        var schema: [String: JSONValue] = ["type": baseType(field)]
        if field.kind == .datetime { schema["format"] = "date-time" }
        if field.kind == .list { schema["items"] = ["type": "string"] }
        if field.nullable { schema["type"] = .array([baseType(field), "null"]) }
        if field.readOnly { schema["readOnly"] = true }
        return .object(schema)
    }

    /// What a client may send for a field: the type and limits the serializer checks.
    private static func inputSchema(_ field: FieldDescription) -> JSONValue {
        var schema: [String: JSONValue] = ["type": baseType(field)]
        if field.kind == .datetime { schema["format"] = "date-time" }
        if let maxLength = field.maxLength { schema[field.kind == .list ? "maxItems" : "maxLength"] = .integer(Int64(maxLength)) }
        if field.kind == .list {
            var items: [String: JSONValue] = ["type": "string", "minLength": 1]
            if let childMaxLength = field.childMaxLength { items["maxLength"] = .integer(Int64(childMaxLength)) }
            schema["items"] = .object(items)
        }
        if field.kind == .string || field.kind == .slug || field.kind == .choice { schema["minLength"] = 1 }
        if field.kind == .slug { schema["pattern"] = slugPattern }
        if let minimum = field.minValue { schema["minimum"] = .number(minimum) }
        if let maximum = field.maxValue { schema["maximum"] = .number(maximum) }
        if let choices = field.choices { schema["enum"] = .array(choices.map(JSONValue.string)) }
        if field.nullable { schema["type"] = .array([baseType(field), "null"]) }
        return .object(schema)
    }

    private static func baseType(_ field: FieldDescription) -> JSONValue {
        switch field.kind {
        case .string, .slug, .choice, .datetime: return "string"
        case .integer: return "integer"
        case .float: return "number"
        case .boolean: return "boolean"
        case .list: return "array"
        }
    }
}
