import Logging
import Testing

@testable import citiesd

@Suite struct ConnectionOptionsTests {
    let logger = Logger(label: "test")

    @Test func theConnectionLimitLeavesThePoolAndTheFilesADescriptor() throws {
        let limits = try ConnectionOptions.parse(["--max-connections", "100000000"])
            .limits(Environment([:]), poolConnections: 10, logger: logger)
        let files = try #require(OpenFileLimit.current())
        #expect(files.soft == files.hard, "the soft limit is raised to the hard one")
        #expect(limits.maxConnections == files.soft - 10 - OpenFileLimit.reservedForFiles - ConnectionLimits.acceptHeadroom)
    }

    @Test func optionsWinOverTheEnvironmentAndBadValuesAreRejected() throws {
        let environment = Environment(["CITIESD_IDLE_TIMEOUT": "5", "CITIESD_HEADER_TIMEOUT": "2.5", "CITIESD_DRAIN_PERIOD": "0"])
        let options = try ConnectionOptions.parse(["--idle-timeout", "90", "--max-connections", "50"])
        let limits = try options.limits(environment, poolConnections: 1, logger: logger)
        #expect(limits.idleTimeout == .seconds(90))
        #expect(limits.headerTimeout == .milliseconds(2500))
        #expect(limits.maxConnections == 50)
        #expect(try options.shutdownPeriods(environment).drain == .zero)

        for arguments in [["--header-timeout", "0"], ["--body-timeout=-1"], ["--max-connections", "0"], ["--grace-period", "nan"]] {
            let options = try ConnectionOptions.parse(arguments)
            #expect(throws: (any Error).self, "\(arguments)") {
                _ = try options.limits(Environment([:]), poolConnections: 1, logger: logger)
                _ = try options.shutdownPeriods(Environment([:]))
            }
        }
        #expect(throws: (any Error).self) { try ConnectionOptions.parse(["--backlog", "0"]).listenBacklog(Environment([:])) }
    }
}
