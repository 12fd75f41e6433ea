import Foundation

/// A `redis-server` of the test's own, on a free port, that the test can stop and start again
/// on the same port (to prove that clients recover). With `tls`, it speaks only TLS, with the
/// certificates `deploy/local/test.sh` made (clients may present one; see ``TestEnvironment``).
final class RedisServerProcess: @unchecked Sendable {
    let port: Int
    let directory: URL
    let tls: Bool
    private let extraArguments: [String]
    private var process: Process?

    init(extraArguments: [String] = [], tls: Bool = false) throws {
        self.port = try TestEnvironment.freePort()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        self.tls = tls
        self.extraArguments = extraArguments
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var url: String { "\(tls ? "rediss" : "redis")://127.0.0.1:\(port)/0" }

    /// Starts the server and waits until it accepts connections.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.redisServerBinary())
        var listen = ["--port", String(port)]
        if tls {
            let server = try TestEnvironment.redisTLSServerFiles()
            listen = [
                "--port", "0", "--tls-port", String(port), "--tls-cert-file", server.certFile, "--tls-key-file", server.keyFile,
                "--tls-ca-cert-file", try TestEnvironment.redisTLSCAFile(), "--tls-auth-clients", "optional",
            ]
        }
        process.arguments =
            listen + [
                "--bind", "127.0.0.1", "--dir", directory.path, "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", directory.appendingPathComponent("redis.log").path,
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let up = await TestEnvironment.eventually(within: .seconds(10)) { Self.accepts(port: self.port) }
        guard up else { throw TestFailure("redis-server did not start on port \(port)") }
    }

    /// Kills the server (SIGKILL: as abrupt as a crash) and waits until the port is closed.
    func stop() async {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
        _ = await TestEnvironment.eventually(within: .seconds(5)) { !Self.accepts(port: self.port) }
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    static func accepts(port: Int) -> Bool {
        guard let fd = LoopbackSocket.connect(port: port) else { return false }
        close(fd)
        return true
    }
}

/// A test precondition that did not hold, with a message that says what.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
