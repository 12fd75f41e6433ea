import Foundation

/// A child process a test starts (a service, a provider stand-in), with its output captured
/// to a file the test can read and search, and helpers to wait for it and stop it.
final class ManagedProcess: @unchecked Sendable {
    let process = Process()
    let outputFile: URL
    let name: String

    init(_ executable: URL, arguments: [String] = [], environment: [String: String]? = nil, name: String? = nil) throws {
        self.name = name ?? executable.lastPathComponent
        outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(self.name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputFile)
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Starts one of the project's executables from `PASSWORDLESS_BIN_DIR`.
    static func service(_ name: String, arguments: [String] = [], environment: [String: String]) throws -> ManagedProcess {
        try ManagedProcess(try TestEnvironment.binDirectory().appendingPathComponent(name), arguments: arguments, environment: environment)
    }

    /// Starts `python3` from PATH with a script from `Tests/support`.
    static func python(script: String, arguments: [String]) throws -> ManagedProcess {
        let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("support")
        return try ManagedProcess(
            URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", support.appendingPathComponent(script).path] + arguments,
            name: script)
    }

    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    /// Waits until the output contains `text`; fails with the output so far if it does not.
    func waitForOutput(_ text: String, within timeout: Duration = .seconds(20)) async throws {
        let seen = await TestEnvironment.eventually(within: timeout) { self.output.contains(text) || !self.isRunning }
        guard seen, output.contains(text) else { throw TestFailure("\(name) did not print \"\(text)\"; its output:\n\(output)") }
    }

    /// Waits for the process to end by itself; returns its exit status, or nil if it is still running.
    func waitForExit(within timeout: Duration) async -> Int32? {
        let ended = await TestEnvironment.eventually(within: timeout, every: .milliseconds(50)) { !self.isRunning }
        return ended ? process.terminationStatus : nil
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outputFile)
    }
}
