import CitiesCore
import Testing

@Suite struct ServiceMetadataTests {
    @Test func readsBuildArgsFromEnvironment() {
        let metadata = ServiceMetadata(environment: ["version": "3.1.4", "branch": "staging", "stack": "cities-staging-ab12cd", "PATH": "/bin"])
        #expect(metadata == ServiceMetadata(version: "3.1.4", branch: "staging", stack: "cities-staging-ab12cd"))
    }

    @Test func fallsBackToDocumentedDefaults() {
        #expect(ServiceMetadata(environment: ["version": "7"]) == ServiceMetadata(version: "7", branch: "master", stack: "stack"))
        #expect(ServiceMetadata(environment: [:]) == ServiceMetadata(version: "1", branch: "master", stack: "stack"))
    }
}
