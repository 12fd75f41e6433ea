// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "passwordless",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "passwordless-gateway", targets: ["passwordless-gateway"]),
        .executable(name: "passwordless-dispatcher", targets: ["passwordless-dispatcher"]),
        .executable(name: "passwordless-token", targets: ["passwordless-token"]),
        .executable(name: "passwordless-admin", targets: ["passwordless-admin"]),
        .executable(name: "passwordless-bench", targets: ["passwordless-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        // C system libraries
        .systemLibrary(
            name: "CHiredis",
            path: "Shared/CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Shared/COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Shared/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // Shared libraries
        .target(
            name: "PasswordlessCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/PasswordlessCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/RedisClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PasswordlessStorage",
            dependencies: [
                "PasswordlessCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/PasswordlessStorage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DeliveryTransport",
            dependencies: [
                "CCurl",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/DeliveryTransport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PasswordlessFlow",
            dependencies: [
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/PasswordlessFlow",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "PasswordlessCore",
                "DeliveryTransport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/Delivery",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Tokens",
            dependencies: [
                "COpenSSL",
                "PasswordlessCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Shared/Tokens",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/Observability",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                "Observability",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Shared/ServiceRuntime",
            swiftSettings: swiftSettings
        ),

        // Executables
        .executableTarget(
            name: "passwordless-gateway",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Metrics", package: "swift-metrics"), "ServiceRuntime",
                "PasswordlessFlow", "DeliveryTransport",
            ],
            path: "Services/passwordless-gateway",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "passwordless-token",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Metrics", package: "swift-metrics"), "ServiceRuntime",
                "PasswordlessFlow", "Tokens",
            ],
            path: "Services/passwordless-token",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "passwordless-dispatcher",
            dependencies: [
                "ServiceRuntime", "PasswordlessFlow", "Delivery", "DeliveryTransport", .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/passwordless-dispatcher",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "passwordless-admin",
            dependencies: [
                "ServiceRuntime",
                "Tokens",
                "PasswordlessFlow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Services/passwordless-admin",
            swiftSettings: swiftSettings
        ),

        // The benchmark (deploy/local/bench.sh); not part of the test suite.
        .executableTarget(
            name: "passwordless-bench",
            dependencies: [
                "PasswordlessCore",
                "PasswordlessStorage",
                "PasswordlessFlow",
                "RedisClient",
                "Tokens",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/Benchmark",
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "PasswordlessTests",
            dependencies: [
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                "DeliveryTransport",
                "Observability",
                "ServiceRuntime",
                "Tokens",
                "PasswordlessFlow",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/PasswordlessTests",
            swiftSettings: swiftSettings
        ),
    ]
)
