import Foundation

/// The event resource's serializer: `{"id", "city", "category", "starts_at", "ends_at", "status"}`.
public struct EventSerializer: Sendable {
    package static let maximumCategoryLength = 50
    package static let dateTimeFormatMessage =
        "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."

    package enum Field {
        package static let id = FieldDescription("id", .string, label: "Id", required: true, maxLength: 255)
        package static let city = FieldDescription("city", .integer, label: "City", required: true, minValue: 1)
        package static let category = FieldDescription("category", .slug, label: "Category", required: true, maxLength: EventSerializer.maximumCategoryLength)
        package static let startsAt = FieldDescription("starts_at", .datetime, label: "Starts at", required: true, maxLength: 64)
        package static let endsAt = FieldDescription("ends_at", .datetime, label: "Ends at", required: true, maxLength: 64)
        package static let status = FieldDescription("status", .choice, label: "Status", maxLength: 20, choices: EventStatus.allCases.map(\.rawValue))
    }

    package static let fields: [FieldDescription] = [Field.id, Field.city, Field.category, Field.startsAt, Field.endsAt, Field.status]

    /// Creates a serializer; it holds no state.
    public init() {}

    /// Validates one event, every field error at once, and returns it.
    ///
    /// `id` (up to 255 characters), `city` (an integer, at least 1), `category` (a slug of up to 50
    /// characters), `starts_at` and `ends_at` (RFC 3339 date-times, e.g. `2026-03-01T19:00:00+01:00`)
    /// are required; `status` is `scheduled` (the default) or `cancelled`. `ends_at` before
    /// `starts_at` is a `non_field_errors` error. Whether the city exists is checked by the store
    /// (``EventStore/upsert(_:)``), not here. A value that is not a JSON object throws on
    /// `non_field_errors` (`Invalid data. Expected a dictionary, but got list.` for an array).
    public func validate(_ data: JSONValue) throws(ValidationErrors) -> Event {
        guard case .object(let object) = data else { throw FieldReader.expectedObject(got: data) }
        var reader = FieldReader(object: object, partial: false)
        let externalID = reader.string(Field.id) ?? nil
        let cityID = reader.integer(Field.city) ?? nil
        let category = reader.string(Field.category) ?? nil
        if let category, !Slug.isValid(category) {
            reader.fail(Field.category.name, "Enter a valid “slug” consisting of lowercase letters, numbers and single hyphens.")
        }
        let startsAt = dateTime(&reader, Field.startsAt)
        let endsAt = dateTime(&reader, Field.endsAt)
        let statusText = reader.string(Field.status) ?? nil
        let status = reader.choice(Field.status, statusText) { EventStatus(rawValue: $0) != nil }.flatMap(EventStatus.init(rawValue:))
        if let startsAt, let endsAt, endsAt < startsAt {
            reader.failNonField("ends_at must not be before starts_at.")
        }
        guard reader.errors.isEmpty, let externalID, let cityID, let category, let startsAt, let endsAt else {
            throw reader.errors
        }
        return Event(externalID: externalID, cityID: cityID, category: category, startsAt: startsAt, endsAt: endsAt, status: status ?? .scheduled)
    }

    /// Validates a bulk body: a JSON array of events. Errors come back aligned with the input, one
    /// object per item (empty for valid items), as DRF's list serializer reports them.
    ///
    /// A body that is not an array, or has more than `maximumCount` items, throws
    /// ``BulkValidationErrors/notAList(_:)``. Invalid items throw ``BulkValidationErrors/items(_:)``;
    /// when every item is valid, an external id that appears twice does, on the repeat's `id`.
    public func validateList(_ data: JSONValue, maximumCount: Int) throws(BulkValidationErrors) -> [Event] {
        guard case .array(let items) = data else {
            throw .notAList("Expected a list of items but got type \"\(data.pythonTypeName)\".")
        }
        guard items.count <= maximumCount else {
            throw .notAList("Ensure this field has no more than \(maximumCount) elements.")
        }
        var events: [Event] = []
        var itemErrors: [ValidationErrors] = []
        for item in items {
            do {
                events.append(try validate(item))
                itemErrors.append(ValidationErrors())
            } catch {
                itemErrors.append(error)
            }
        }
        guard itemErrors.allSatisfy(\.isEmpty) else { throw .items(itemErrors) }
        if let duplicates = Event.duplicateIDErrors(events) { throw .items(duplicates) }
        return events
    }

    /// Validates events built in code by the rules, and with the messages, of a bulk request body:
    /// each is checked as the JSON a client would send for it (one implementation of the rules), so
    /// a library caller gets ``BulkValidationErrors/items(_:)`` aligned with `events` — never a
    /// database constraint's error. The stores call this on every upsert. Returns the events as
    /// they are stored (times at microsecond precision).
    public func validate(_ events: [Event]) throws(BulkValidationErrors) -> [Event] {
        try validateList(.array(events.map(representation(of:))), maximumCount: .max)
    }

    /// The JSON a client reads: `id`, `city`, `category`, `starts_at`, `ends_at` (in UTC with
    /// microseconds, e.g. `2026-11-24T19:36:47.123456Z`) and `status`.
    public func representation(of event: Event) -> JSONValue {
        .object([
            "id": .string(event.externalID),
            "city": .integer(event.cityID),
            "category": .string(event.category),
            "starts_at": .string(ISOTimestamp.string(from: event.startsAt)),
            "ends_at": .string(ISOTimestamp.string(from: event.endsAt)),
            "status": .string(event.status.rawValue),
        ])
    }

    private func dateTime(_ reader: inout FieldReader, _ field: FieldDescription) -> Date? {
        guard let text = reader.string(field) ?? nil else { return nil }
        do {
            return try ISOTimestamp.parse(text)
        } catch {
            switch error {
            case .format: reader.fail(field.name, Self.dateTimeFormatMessage)
            case .outOfRange: reader.fail(field.name, "Datetime value out of range.")
            }
            return nil
        }
    }
}

/// Errors of a bulk write: the body is not a list (DRF: `{"non_field_errors": [...]}`), or some items
/// are invalid (DRF: a list of per-item error objects, aligned with the input).
public enum BulkValidationErrors: Error, Sendable, Hashable {
    /// The body as a whole is refused (not an array, or too many items), with DRF's message.
    case notAList(String)
    /// One ``ValidationErrors`` per input item, in input order, empty for the valid ones.
    case items([ValidationErrors])
}
