import CCurl
import Foundation

/// One libcurl easy handle with the options for a single transfer.
///
/// Not thread-safe: ``CurlTransport`` lends it to one thread at a time (hence
/// `@unchecked Sendable`). `curl_easy_reset` between transfers keeps its connection cache.
final class CurlHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    /// The current transfer's cancellation flag, checked by the progress callback.
    var cancellation: CancellationFlag?

    init() {
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    func perform(_ request: OutgoingHTTPRequest) throws(TransportError) -> IncomingHTTPResponse {
        let scheme = request.url.prefix { $0 != ":" }.lowercased()
        guard scheme == "http" || scheme == "https" else { throw .invalidRequest("only http and https URLs are allowed") }
        reset(timeout: request.timeout, connectTimeout: request.connectTimeout)
        let sink = ResponseSink()
        var headers = CurlList(request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"])
        defer { headers.free() }

        return try request.body.withUnsafeBufferPointer { body throws(TransportError) in
            try set(CURLOPT_URL, request.url)
            _ = pcurl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            _ = pcurl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            _ = pcurl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            // A HEAD answer has no body: without NOBODY libcurl would wait for the one its length announces.
            if request.method == "HEAD" { _ = pcurl_set_long(handle, CURLOPT_NOBODY, 1) }
            if request.method == "POST" || !request.body.isEmpty {
                _ = pcurl_set_long(handle, CURLOPT_POST, 1)
                _ = pcurl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = pcurl_set_pointer(
                    handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
            _ = pcurl_set_slist(handle, CURLOPT_HTTPHEADER, headers.pointer)
            if let auth = request.basicAuth {
                _ = pcurl_set_long(handle, CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC
                try set(CURLOPT_USERNAME, auth.user)
                try set(CURLOPT_PASSWORD, auth.password)
            }
            try run(sink: sink)
            var status = 0
            _ = pcurl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return IncomingHTTPResponse(status: status, headers: sink.headerFields, body: sink.body)
        }
    }

    func send(_ mail: OutgoingMail, via server: SMTPServer) throws(TransportError) {
        let scheme = server.url.prefix { $0 != ":" }.lowercased()
        guard scheme == "smtp" || scheme == "smtps" else { throw .invalidRequest("the SMTP URL must start with smtp:// or smtps://") }
        guard !mail.recipients.isEmpty else { throw .invalidRequest("no recipient") }
        for address in [mail.from] + mail.recipients where address.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" }) {
            throw .invalidRequest("an envelope address contains a forbidden character")
        }
        reset(timeout: server.timeout, connectTimeout: .seconds(5))
        let sink = ResponseSink()
        let source = UploadSource(mail.message)
        var recipients = CurlList(mail.recipients.map { "<\($0)>" })
        defer { recipients.free() }

        try set(CURLOPT_URL, server.url)
        _ = pcurl_set_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        // A fresh SMTP session per message: libcurl would otherwise reuse a plain-text session
        // for a send that requires TLS, or one authenticated as another user.
        _ = pcurl_set_long(handle, CURLOPT_FRESH_CONNECT, 1)
        _ = pcurl_set_long(handle, CURLOPT_FORBID_REUSE, 1)
        try set(CURLOPT_MAIL_FROM, "<\(mail.from)>")
        _ = pcurl_set_slist(handle, CURLOPT_MAIL_RCPT, recipients.pointer)
        _ = pcurl_set_long(handle, CURLOPT_USE_SSL, Int(server.tls == .required ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
        if let caFile = server.caFile { try set(CURLOPT_CAINFO, caFile) }
        if let username = server.username {
            try set(CURLOPT_USERNAME, username)
            try set(CURLOPT_PASSWORD, server.password ?? "")
        }
        _ = pcurl_set_long(handle, CURLOPT_UPLOAD, 1)
        _ = pcurl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(mail.message.count))
        _ = pcurl_set_callback(handle, CURLOPT_READFUNCTION, uploadCallback)
        let unmanaged = Unmanaged.passRetained(source)
        defer { unmanaged.release() }
        _ = pcurl_set_pointer(handle, CURLOPT_READDATA, unmanaged.toOpaque())
        do {
            try run(sink: sink)
        } catch {
            var code = 0
            _ = pcurl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
            if code >= 400, case .network(_, let message) = error { throw .smtp(code: code, message: message) }
            throw error
        }
    }

    // MARK: Plumbing

    private func reset(timeout: Duration, connectTimeout: Duration) {
        curl_easy_reset(handle)
        errorBuffer.withUnsafeMutableBufferPointer { buffer in
            buffer[0] = 0
            _ = pcurl_set_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
        }
        _ = pcurl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = pcurl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(timeout))
        _ = pcurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(connectTimeout))
        _ = pcurl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
    }

    private func set(_ option: CURLoption, _ value: String) throws(TransportError) {
        let code = pcurl_set_string(handle, option, value)
        guard code == CURLE_OK else { throw .invalidRequest(String(cString: curl_easy_strerror(code))) }
    }

    /// Runs the transfer with the response sink attached and maps libcurl's result.
    private func run(sink: ResponseSink) throws(TransportError) {
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        _ = pcurl_set_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback)
        _ = pcurl_set_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        _ = pcurl_set_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
        _ = pcurl_set_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque())
        sink.cancellation = cancellation
        _ = pcurl_set_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = pcurl_set_progress(handle, progressCallback)
        _ = pcurl_set_pointer(handle, CURLOPT_XFERINFODATA, unmanaged.toOpaque())
        let code = curl_easy_perform(handle)
        guard code != CURLE_OK else { return }
        let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_OPERATION_TIMEDOUT: throw .timeout
        case CURLE_ABORTED_BY_CALLBACK where sink.cancellation?.isCancelled == true: throw .cancelled
        case CURLE_WRITE_ERROR where sink.overflowed: throw .responseTooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: throw .invalidRequest(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            throw .tls(message)
        default: throw .network(code: Int(code.rawValue), message: message)
        }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// Collects a response's body (bounded) and header lines.
private final class ResponseSink {
    var cancellation: CancellationFlag?
    var body: [UInt8] = []
    var headerFields: [String: String] = [:]
    var overflowed = false

    func appendHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") { headerFields = [:] }  // a new response (after 100 Continue)
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headerFields[name] = value
    }
}

/// Feeds a message to libcurl's upload callback.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// A libcurl string list, freed by its owner.
private struct CurlList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines { pointer = curl_slist_append(pointer, line) }
    }

    mutating func free() {
        curl_slist_free_all(pointer)
        pointer = nil
    }
}

private let bodyCallback: pcurl_data_callback = { data, size, count, context in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard sink.body.count + length <= CurlTransport.maximumResponseBytes else {
        sink.overflowed = true
        return 0
    }
    if let data { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
    return length
}

private let headerCallback: pcurl_data_callback = { data, size, count, context in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    if let data { sink.appendHeaderLine(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)) }
    return length
}

private let progressCallback: pcurl_progress_callback = { context, _, _, _, _ in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    return sink.cancellation?.isCancelled == true ? 1 : 0
}

private let uploadCallback: pcurl_data_callback = { buffer, size, count, context in
    let source = Unmanaged<UploadSource>.fromOpaque(context!).takeUnretainedValue()
    let length = min(size * count, source.bytes.count - source.offset)
    guard length > 0, let buffer else { return 0 }
    source.bytes.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + source.offset, byteCount: length)
    }
    source.offset += length
    return length
}
