import Foundation

/// A TCP connection that sends exactly the bytes a test gives it, for requests no HTTP client
/// library would send (a lowercase method, two `Host` headers, a megabyte of headers, a head
/// that never ends).
final class RawHTTPSocket {
    private let fd: Int32

    /// What came back: the status line's code, the headers (lower-cased names) and the body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    init(port: Int) throws {
        guard let fd = LoopbackSocket.connect(port: port) else { throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes all of `bytes`; false when the server closed or reset the connection meanwhile.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads one answer (head, then a `Content-Length` body); nil when the connection closed first.
    func readAnswer() -> Answer? {
        var buffer: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = receive() else { return nil }
            buffer += chunk
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = head[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(buffer[(headEnd! + 4)...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < length, let chunk = receive() { body += chunk }
        return Answer(status: status, headers: headers, body: Data(body.prefix(length)))
    }

    /// Whether the server closed the connection (read returns end of file or a reset) within
    /// `timeout`; bytes that arrive meanwhile are an answer, which counts as not closed.
    func closesWithoutAnswer(within timeout: Duration) -> Bool {
        var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    private func receive() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        return n > 0 ? Array(chunk[..<n]) : nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    /// Sends one request and reads its answer on a fresh connection.
    static func exchange(port: Int, _ request: String) throws -> Answer? {
        let socket = try RawHTTPSocket(port: port)
        socket.send(request)
        return socket.readAnswer()
    }
}
