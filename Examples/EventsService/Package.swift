// swift-tools-version:6.0
import Foundation
import PackageDescription

// An events service that links citiesd's libraries, depended on by path as a service in the same
// repository would. SwiftPM names a path dependency after its folder, which is whatever the
// repository was cloned as; a dependency by URL is named after the repository (`citiesd`).
let citiesd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let citiesdPackage = citiesd.lastPathComponent

let package = Package(
    name: "EventsService",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: citiesd.path),
        // Only so that this example proves CitiesPG and PostgresNIO can be imported in one file.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "EventsService",
            dependencies: [
                .product(name: "CitiesCore", package: citiesdPackage),
                .product(name: "CitiesPG", package: citiesdPackage),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "EventsServiceTests",
            dependencies: [
                "EventsService",
                .product(name: "CitiesPGTesting", package: citiesdPackage),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
