import Foundation
import NIOConcurrencyHelpers

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP client for tests, independent of the product's own transport.
enum HTTPProbe {
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", url, headers: headers)
    }

    static func send(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // Not a child task on purpose: cancelling an in-flight URLSession request from a task
        // cancellation handler deadlocks swift-corelibs-foundation; requests time out instead.
        let request2 = request
        let (data, response) = try await withDeadline(.seconds(20), url: url) { try await session.data(for: request2) }
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    /// The same request through the `curl` command line, for answers Foundation's URLSession
    /// cannot take on Linux: a 401 with `WWW-Authenticate` makes it wait for credentials forever
    /// (swift-corelibs-foundation), while every real client (auth0.js, auth0-python, curl) reads it.
    static func curl(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-i", "--max-time", "10", "-X", method, url]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if body != nil { arguments += ["--data-binary", "@-"] }
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        if let body { input.fileHandleForWriting.write(body) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { throw TestFailure("curl \(url): no HTTP answer") }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Reply(status: status, headers: fields, body: Data(data[split.upperBound...]))
    }

    /// `work`'s result, or a failure after `deadline`: URLSession on Linux can wait forever (a 401
    /// with `WWW-Authenticate`), and a test must fail rather than stall the suite. The request
    /// is abandoned, not cancelled (cancelling one in flight deadlocks swift-corelibs-foundation).
    static func withDeadline<T: Sendable>(
        _ deadline: Duration, url: String, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let once = NIOLockedValueBox(false)
        return try await withCheckedThrowingContinuation { continuation in
            @Sendable func finish(_ result: Result<T, any Error>) {
                guard
                    once.withLockedValue({ done in
                        defer { done = true }
                        return !done
                    })
                else { return }
                continuation.resume(with: result)
            }
            Task { finish(await Result(catching: work)) }
            Task {
                try? await Task.sleep(for: deadline)
                finish(.failure(TestFailure("no answer from \(url) within \(deadline)")))
            }
        }
    }

    /// The status of `GET url`, or nil when nothing answers.
    static func status(_ url: String) async -> Int? {
        try? await get(url).status
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing call.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
