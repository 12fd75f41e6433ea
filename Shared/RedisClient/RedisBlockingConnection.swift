import Logging
import NIOPosix

/// One Redis connection with a thread of its own, for commands that block on the server
/// (`BLMOVE`, `BRPOP`, `BZPOPMIN`).
///
/// Blocking commands would pin a pooled connection and one of the pool's threads for their
/// whole wait, so each blocking consumer gets one of these instead. Calls are serialised on
/// its thread; a broken connection is replaced on the next call. Call ``close()`` when done.
public final class RedisBlockingConnection: Sendable {
    private let configuration: RedisConfiguration
    private let thread: NIOThreadPool
    private let holder: Holder
    private let logger: Logger

    /// The connection, touched only from `thread`.
    private final class Holder: @unchecked Sendable {
        var connection: RedisConnection?
    }

    init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.holder = Holder()
        self.logger = logger
        thread.start()
    }

    /// Sends a command that may block on the server for up to `blockFor`; the socket waits that
    /// long plus the usual command timeout before giving up.
    public func send(_ command: RedisCommand, blockFor: Duration) async throws(RedisError) -> RESPValue {
        let configuration = self.configuration
        let holder = self.holder
        let result: Result<RESPValue, RedisError>
        do {
            result = try await thread.runIfActive {
                do throws(RedisError) {
                    if holder.connection == nil || holder.connection!.isBroken || holder.connection!.peerHasClosed {
                        holder.connection?.close()
                        holder.connection = try RedisConnection(configuration: configuration)
                    }
                    return .success(try holder.connection!.send(command, timeout: blockFor + configuration.commandTimeout))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw .clientClosed
        }
        if case .failure(let error) = result, error.isConnectionError {
            logger.warning("redis blocking connection failed", metadata: ["error": "\(error)"])
        }
        return try result.get()
    }

    /// Closes the connection and stops the thread, after any call in progress returns.
    public func close() async {
        let holder = self.holder
        try? await thread.runIfActive {
            holder.connection?.close()
            holder.connection = nil
        }
        try? await thread.shutdownGracefully()
    }
}
