import Logging
import PasswordlessCore
import PasswordlessStorage
import RedisClient
import ServiceSettings
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  // 32 bytes, 0…31
    static let good = [
        "DATABASE_URL": "postgres://app:s3cret@db.internal:6543/passwordless?sslmode=require",
        "REDIS_URL": "redis://:r3dis@cache.internal:6380/2",
        "PASSWORDLESS_MASTER_KEY": key,
    ]

    func load(
        _ environment: [String: String], _ arguments: [String] = [], kind: ServiceKind = .gateway
    ) throws(ConfigurationError)
        -> ServiceConfiguration
    {
        guard case .run(let options) = try ServiceCommandLine(arguments, for: kind) else {
            throw ConfigurationError("--help", "asks for help, not a configuration")
        }
        return try options.resolve(for: kind, environment: environment)
    }

    func problem(_ environment: [String: String], _ arguments: [String] = []) -> ConfigurationError? {
        do {
            _ = try load(environment, arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryURLPart() throws {
        let configuration = try load(Self.good)
        #expect(
            configuration.database
                == DatabaseSettings(
                    host: "db.internal", port: 6543, username: "app", password: "s3cret", database: "passwordless", tlsMode: .require))
        #expect(configuration.redis.host == "cache.internal")
        #expect(configuration.redis.port == 6380)
        #expect(configuration.redis.password == "r3dis")
        #expect(configuration.redis.database == 2)
        #expect(configuration.port == 8080)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.logLevel == .info)
        #expect(configuration.logFormat == .text)
    }

    @Test func dependencyAndClientTimeoutsHaveDefaultsFlagsAndOneLineErrors() throws {
        let defaults = try load(Self.good)
        #expect(defaults.dependencyTimeout == .seconds(2))
        #expect(defaults.httpTimeouts == HTTPTimeouts(head: .seconds(10), body: .seconds(30), idle: .seconds(60)))
        var environment = Self.good
        environment["DEPENDENCY_TIMEOUT"] = "5"
        environment["HTTP_IDLE_TIMEOUT"] = "90"
        let set = try load(environment, ["--dependency-timeout", "0.5", "--http-head-timeout=3", "--http-body-timeout", "7"])
        #expect(set.dependencyTimeout == .milliseconds(500))
        #expect(set.httpTimeouts == HTTPTimeouts(head: .seconds(3), body: .seconds(7), idle: .seconds(90)))
        #expect(
            problem(Self.good, ["--dependency-timeout", "soon"])?.description
                == "DEPENDENCY_TIMEOUT: must be a number of seconds from 0.1 to 60.0")
        #expect(problem(Self.good, ["--http-head-timeout", "0"])?.setting == "HTTP_HEAD_TIMEOUT")
    }

    @Test func queuePartitionsDefaultTo16AndFollowTheFlag() throws {
        #expect(try load(Self.good).queuePartitions == 16)
        var environment = Self.good
        environment["QUEUE_PARTITIONS"] = "32"
        #expect(try load(environment, kind: .dispatcher).queuePartitions == 32)
        #expect(try load(environment, ["--queue-partitions", "4"]).queuePartitions == 4)
    }

    @Test func eachServiceHasItsOwnDefaultPort() throws {
        #expect(try load(Self.good, kind: .gateway).port == 8080)
        #expect(try load(Self.good, kind: .token).port == 8081)
        #expect(try load(Self.good, kind: .dispatcher).port == 8082)
    }

    @Test func flagsOverrideTheEnvironment() throws {
        var environment = Self.good
        environment["PORT"] = "9000"
        environment["LOG_LEVEL"] = "debug"
        let configuration = try load(
            environment,
            ["--port", "9100", "--log-format=json", "--redis-url", "redis://other:7000", "--public-base-url", "https://login.example.com/"])
        #expect(configuration.port == 9100)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .json)
        #expect(configuration.redis.host == "other")
        #expect(configuration.redis.port == 7000)
        #expect(configuration.publicBaseURL == "https://login.example.com")
    }

    @Test func missingSettingsAreNamed() {
        for name in ["DATABASE_URL", "REDIS_URL", "PASSWORDLESS_MASTER_KEY"] {
            var environment = Self.good
            environment[name] = nil
            #expect(problem(environment) == ConfigurationError(name, "is required"))
        }
        var empty = Self.good
        empty["REDIS_URL"] = ""
        #expect(problem(empty)?.setting == "REDIS_URL")
    }

    @Test(arguments: [
        ("DATABASE_URL", "mysql://u:p@h/db", "scheme"),
        ("DATABASE_URL", "postgres://u:p@h:5432/", "database name"),
        ("DATABASE_URL", "postgres://h:5432/db", "user"),
        ("DATABASE_URL", "postgres://u:p@h:5432/db?sslmode=verify", "sslmode"),
        ("DATABASE_URL", "not a url at all", "expected postgres://"),
        ("REDIS_URL", "http://h:6379", "scheme"),
        ("REDIS_URL", "redis://h:6379/x", "database"),
        ("REDIS_URL", "redis://:6379", "host"),
        ("PASSWORDLESS_MASTER_KEY", "not base64!", "base64"),
        ("PASSWORDLESS_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODw==", "16 bytes"),
        ("PORT", "70000", "1 to 65535"),
        ("PORT", "eighty", "whole number"),
        ("LOG_LEVEL", "loud", "one of"),
        ("LOG_FORMAT", "xml", "text or json"),
        ("PUBLIC_BASE_URL", "ftp://x", "http"),
        ("REDIS_POOL_SIZE", "0", "1 to 256"),
        ("QUEUE_PARTITIONS", "0", "1 to 1024"),
        ("QUEUE_PARTITIONS", "sixteen", "whole number"),
    ])
    func malformedSettingsAreNamed(name: String, value: String, mention: String) {
        var environment = Self.good
        environment[name] = value
        let error = problem(environment)
        #expect(error?.setting == name)
        #expect(error?.problem.contains(mention) == true, "\(String(describing: error))")
    }

    @Test func errorsNeverEchoSecrets() {
        var environment = Self.good
        environment["PASSWORDLESS_MASTER_KEY"] = "c2VjcmV0LXZhbHVlLXRoYXQtaXMtdG9vLXNob3J0"
        let error = problem(environment)
        #expect(error != nil)
        #expect(error?.description.contains("c2VjcmV0") == false)
        let configuration = try? load(Self.good)
        #expect(configuration?.database.description.contains("s3cret") == false)
        #expect(configuration?.redis.description.contains("r3dis") == false)
    }

    @Test func unknownAndIncompleteFlagsAreRefused() {
        #expect(problem(Self.good, ["--colour", "blue"])?.setting == "--colour")
        #expect(problem(Self.good, ["--port"]) == ConfigurationError("--port", "needs a value"))
        #expect(problem(Self.good, ["stray"])?.setting == "stray")
    }

    @Test func helpIsRecognised() throws {
        let commandLine = try ServiceCommandLine(["--help"], for: .dispatcher)
        guard case .help(let usage) = commandLine else {
            Issue.record("--help was not recognised: \(commandLine)")
            return
        }
        for setting in Setting.allCases {
            #expect(usage.contains(setting.flag) && usage.contains(setting.environmentName))
        }
    }

    @Test func masterKeyDerivesDistinctStableSubKeys() throws {
        let key = try MasterKey(base64: Self.key)
        let again = try MasterKey(base64: Self.key)
        let other = try MasterKey(base64: MasterKey.generateBase64())
        let derived = MasterKey.Purpose.allCases.map { purpose in key.key(for: purpose).withUnsafeBytes { Array($0) } }
        #expect(Set(derived).count == MasterKey.Purpose.allCases.count)
        #expect(derived.allSatisfy { $0.count == 32 })
        #expect(again.key(for: .codeMAC).withUnsafeBytes { Array($0) } == derived[0])
        #expect(key.id == again.id)
        #expect(key.id != other.id)
    }
}
