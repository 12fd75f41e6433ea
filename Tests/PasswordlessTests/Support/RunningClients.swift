import DeliveryTransport
import Logging
import RedisClient

/// Clients start their work in `run()`; tests that use one outside a service group run it in a
/// task of its own, which ends when the test calls `shutdown()`.
extension RedisClient {
    static func running(configuration: RedisConfiguration, logger: Logger = .quiet) -> RedisClient {
        let client = RedisClient(configuration: configuration, logger: logger)
        Task { try await client.run() }
        return client
    }
}

extension CurlTransport {
    static func running(concurrency: Int, threads: Int = 1) -> CurlTransport {
        let transport = CurlTransport(concurrency: concurrency, threads: threads)
        Task { try await transport.run() }
        return transport
    }
}
