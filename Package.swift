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
        // The AWS layers, each importing only what sits below it.
        .target(name: "Support"),
        .target(name: "HTTP", dependencies: ["CCurl", "Support"]),
        .target(name: "Signing", dependencies: ["CCrypto", "Support"]),
        .target(name: "AWSCore", dependencies: ["HTTP", "Signing", "Support", "JSON"]),
        .target(name: "AWSServices", dependencies: ["AWSCore", "HTTP", "Signing", "Support", "JSON"]),
        .target(name: "Backup", dependencies: ["AWSServices", "AWSCore", "HTTP", "Signing", "Support", "JSON", "CZlib"]),
        .target(name: "Compare", dependencies: ["Backup", "AWSServices", "Support", "JSON"]),
        .target(name: "Restore", dependencies: ["Backup", "Compare", "AWSServices", "AWSCore", "HTTP", "Signing", "Support", "JSON"]),
        .target(name: "LambdaRuntime", dependencies: ["HTTP", "Support", "JSON"]),
        .target(name: "BackupFunction", dependencies: ["LambdaRuntime", "Backup", "Restore", "AWSServices", "AWSCore", "Support", "JSON"]),
        .executableTarget(
            name: "cognito-backup",
            dependencies: [
                "BackupFunction", "Backup", "Compare", "Restore", "AWSServices", "AWSCore", "Support", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .target(name: "BackupTestSupport", dependencies: ["Backup"], path: "Tests/BackupTestSupport"),
        .testTarget(name: "AWSClientTests", dependencies: ["AWSServices", "AWSCore", "HTTP", "Signing", "Support", "JSON", "TestSupport"],
                    resources: [.copy("Resources")]),
        .testTarget(name: "BackupTests", dependencies: ["Backup", "BackupTestSupport", "Restore", "AWSServices", "AWSCore", "Signing", "Support", "JSON"], resources: [.copy("Resources")]),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "JSON", "TestSupport"]),
        .testTarget(name: "BackupFunctionTests", dependencies: ["BackupFunction", "Backup", "LambdaRuntime", "AWSServices", "Support", "JSON"]),
        .testTarget(name: "CompareTests", dependencies: ["Compare", "Backup", "JSON"]),
        .testTarget(name: "RestoreTests", dependencies: ["Restore", "Compare", "Backup", "BackupTestSupport", "AWSServices", "AWSCore", "HTTP", "Support", "JSON", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
