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
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
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

        // Domain and storage
        .target(
            name: "PasswordlessCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/PasswordlessCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PasswordlessStorage",
            dependencies: [
                "PasswordlessCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Shared/PasswordlessStorage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis",
                "PasswordlessCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/RedisClient",
            swiftSettings: swiftSettings
        ),

        // Features
        .target(
            name: "TenantDirectory",
            dependencies: [
                "PasswordlessCore",
                "PasswordlessStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/TenantDirectory",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoginCodes",
            dependencies: [
                "JobQueue",
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Shared/LoginCodes",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "JobQueue",
            dependencies: [
                "PasswordlessCore",
                "RedisClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/JobQueue",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Events",
            dependencies: [
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "RedisClient",
                "TenantDirectory",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Shared/Events",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Tokens",
            dependencies: [
                "COpenSSL",
                "PasswordlessCore",
                "RedisClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Shared/Tokens",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DeliveryTransport",
            dependencies: [
                "CCurl",
                "PasswordlessCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/DeliveryTransport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "DeliveryTransport",
                "PasswordlessCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/Delivery",
            swiftSettings: swiftSettings
        ),

        // Service plumbing
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
            name: "ServiceSettings",
            dependencies: [
                "Observability",
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/ServiceSettings",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPService",
            dependencies: [
                "Observability",
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                "ServiceSettings",
                "TenantDirectory",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/HTTPService",
            swiftSettings: swiftSettings
        ),

        // The services: each one's routes, controllers and builder, in a library its tests import
        .target(
            name: "GatewayApp",
            dependencies: [
                "Events",
                "HTTPService",
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "PasswordlessStorage",
                "ServiceSettings",
                "TenantDirectory",
                "TokenApp",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/GatewayApp",
            resources: [.embedInCode("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TokenApp",
            dependencies: [
                "Events",
                "HTTPService",
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "PasswordlessStorage",
                "ServiceSettings",
                "TenantDirectory",
                "Tokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/TokenApp",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DispatcherApp",
            dependencies: [
                "Events",
                "Delivery",
                "DeliveryTransport",
                "HTTPService",
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "RedisClient",
                "ServiceSettings",
                "TenantDirectory",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/DispatcherApp",
            swiftSettings: swiftSettings
        ),

        // Executables: `main` only, but for the admin CLI
        .executableTarget(
            name: "passwordless-gateway",
            dependencies: [
                "GatewayApp",
                "HTTPService",
            ],
            path: "Services/passwordless-gateway",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "passwordless-token",
            dependencies: [
                "HTTPService",
                "TokenApp",
            ],
            path: "Services/passwordless-token",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "passwordless-dispatcher",
            dependencies: [
                "DispatcherApp",
                "HTTPService",
            ],
            path: "Services/passwordless-dispatcher",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "passwordless-admin",
            dependencies: [
                "Delivery",
                "Events",
                "HTTPService",
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                "ServiceSettings",
                "Tokens",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/passwordless-admin",
            resources: [
                .embedInCode("Console/Templates/layout.mustache"), .embedInCode("Console/Templates/page.mustache"),
                .embedInCode("Console/Templates/queue.mustache"), .embedInCode("Console/Templates/signin.mustache"),
                .embedInCode("Console/Templates/console.css"),
            ],
            swiftSettings: swiftSettings
        ),

        // The benchmark (deploy/local/bench.sh); not part of the test suite.
        .executableTarget(
            name: "passwordless-bench",
            dependencies: [
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                "TenantDirectory",
                "Tokens",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Benchmark",
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "PasswordlessTests",
            dependencies: [
                "Delivery",
                "DeliveryTransport",
                "DispatcherApp",
                "Events",
                "GatewayApp",
                "HTTPService",
                "JobQueue",
                "LoginCodes",
                "PasswordlessCore",
                "PasswordlessStorage",
                "RedisClient",
                "ServiceSettings",
                "TokenApp",
                "Tokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/PasswordlessTests",
            swiftSettings: swiftSettings
        ),
    ]
)
