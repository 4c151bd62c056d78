import CitiesCore
import CitiesPG
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import citiesd

@Suite struct OpenAPIDocumentTests {
    @Test func documentsEveryRouteAndMethodTheRouterServes() async throws {
        try await withAPI { api in
            let response = try await api.request("/ws/cities/schema/")
            #expect(response.status == .ok)
            guard case .object(let document) = try decode(response), case .object(let paths) = document["paths"] else {
                Issue.record("no paths")
                return
            }
            #expect(document["openapi"] == .string("3.1.0"))
            let store = InMemoryCitiesStore()
            let controller = CitiesController(repository: store, cache: RepresentationCache(repository: store, capacity: 0), bodyLimit: 1,
                                              ingest: IngestMetrics(factory: ServiceMetrics(enabled: false).factory))
            let health = HealthController(pool: api.pool, counts: nil, runner: MigrationRunner(migrations: []), metadata: ServiceMetadata(), drain: DrainState())
            for route in controller.routes + health.routes {
                let documentedPath = "/ws/cities/" + route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .joined(separator: "/") + (route.path.isEmpty ? "" : "/")
                guard case .object(let item) = paths[documentedPath] else {
                    Issue.record("\(documentedPath) is not documented")
                    continue
                }
                let documented = Set(item.keys.filter { $0 != "parameters" })
                let served = Set(route.view.allowedMethods.filter { $0 != .head }.map { $0.rawValue.lowercased() })
                #expect(documented == served, "\(documentedPath)")
            }
        }
    }

    @Test func orderingIsOneCommaSeparatedValueOfTheFieldsTheListOrdersBy() throws {
        let document = OpenAPIDocument.make(prefix: "/ws/cities", metadata: ServiceMetadata())
        guard case .object(let root) = document, case .object(let paths) = root["paths"], case .object(let list) = paths["/ws/cities/"],
              case .object(let get) = list["get"], case .array(let parameters) = get["parameters"],
              case .object(let ordering) = parameters.first(where: { if case .object(let fields) = $0 { fields["name"] == "ordering" } else { false } }),
              case .object(let schema) = ordering["schema"], case .object(let items) = schema["items"]
        else {
            Issue.record("no ordering parameter")
            return
        }
        #expect(schema["type"] == "array")
        #expect(ordering["style"] == "form")
        #expect(ordering["explode"] == false)
        #expect(items["enum"] == .array(CityOrdering.parameterValues.map(JSONValue.string)))
        #expect(CityOrdering.parameterValues.contains("-country_code"))
    }

    @Test func cityFieldsCarryTheSerializersLimits() async throws {
        let document = OpenAPIDocument.make(prefix: "/ws/cities", metadata: ServiceMetadata())
        guard case .object(let root) = document, case .object(let components) = root["components"], case .object(let schemas) = components["schemas"],
              case .object(let input) = schemas["CityInput"], case .object(let properties) = input["properties"],
              case .object(let name) = properties["name"], case .object(let latitude) = properties["latitude"],
              case .object(let country) = properties["country_code"]
        else {
            Issue.record("CityInput missing")
            return
        }
        #expect(name["maxLength"] == .integer(200))
        #expect(latitude["maximum"] == .number(90))
        #expect(latitude["type"] == .array([.string("number"), .string("null")]))
        guard case .array(let countries) = country["enum"] else { Issue.record("no country enum"); return }
        #expect(countries.contains(.string("DE")))
        #expect(input["required"] == .array([.string("name"), .string("country_code"), .string("timezone")]))
    }
}
