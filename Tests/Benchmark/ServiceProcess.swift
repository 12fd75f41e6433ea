import Foundation
import NIOPosix

/// A service executable the benchmark started: its process, port and log file.
final class ServiceProcess: @unchecked Sendable {
    let name: String
    let port: Int
    let process: Process

    /// Starts `binDirectory/name` with `environment` (plus `PORT`), logging to `logDirectory/name.log`.
    init(_ name: String, port: Int, binDirectory: URL, environment: [String: String], logDirectory: URL) throws {
        self.name = name
        self.port = port
        process = Process()
        process.executableURL = binDirectory.appendingPathComponent(name)
        process.environment = environment.merging(["PORT": "\(port)"]) { $1 }
        let log = logDirectory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits until `/readyz` answers 200.
    func waitReady(group: MultiThreadedEventLoopGroup, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw BenchError("\(name) exited with status \(process.terminationStatus) (see its log)") }
            if let (status, _) = await HTTPLoad.get(port: port, path: "/readyz", group: group), status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("\(name) was not ready within \(timeout)")
    }

    /// Resident memory now and at its peak (VmRSS and VmHWM), in MiB.
    var memory: (current: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return .nan }
            return (Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? .nan) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Sends SIGTERM and waits for the process to end.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<300 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs `passwordless-admin` and returns its `--json` answer.
func runAdmin(_ arguments: [String], binDirectory: URL, environment: [String: String]) throws -> [String: Any] {
    let output = try run(binDirectory.appendingPathComponent("passwordless-admin").path, arguments + ["--json"], environment: environment)
    guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
        throw BenchError("passwordless-admin \(arguments.prefix(2).joined(separator: " ")) printed no JSON object")
    }
    return object
}

/// Runs a program to its end; its standard output, or an error with both outputs.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError(
            "\(executable) \(arguments.prefix(2).joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: err, as: UTF8.self))"
        )
    }
    return String(decoding: out, as: UTF8.self)
}

/// A benchmark step that could not be carried out.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
