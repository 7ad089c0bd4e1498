// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cognito-backup",
    products: [
        .executable(name: "cognito-backup", targets: ["cognito-backup"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "JSON"),
        .target(name: "AWSClient", dependencies: ["CCurl", "CCrypto", "JSON"]),
        .target(name: "Backup", dependencies: ["AWSClient", "JSON", "CZlib"]),
        .target(name: "Restore", dependencies: ["AWSClient", "Backup", "JSON"]),
        .target(name: "LambdaRuntime", dependencies: ["AWSClient", "JSON"]),
        .target(name: "BackupFunction", dependencies: ["LambdaRuntime", "Backup", "Restore", "AWSClient", "JSON"]),
        .executableTarget(
            name: "cognito-backup",
            dependencies: [
                "AWSClient", "Backup", "Restore", "BackupFunction", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AWSClientTests", dependencies: ["AWSClient", "JSON", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(name: "BackupTests", dependencies: ["Backup", "AWSClient", "JSON"], resources: [.copy("Resources")]),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "JSON", "TestSupport"]),
        .testTarget(name: "BackupFunctionTests", dependencies: ["BackupFunction", "Backup", "LambdaRuntime", "JSON"]),
        .testTarget(name: "RestoreTests", dependencies: ["Restore", "Backup", "AWSClient", "JSON", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
