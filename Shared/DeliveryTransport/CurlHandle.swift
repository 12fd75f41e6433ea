import CCurl
import Foundation

/// One libcurl easy handle: set up for one ``CurlTransfer`` at a time, then read for its outcome.
///
/// Only its ``CurlMultiDriver``'s thread touches it. Handles are pooled by the driver and reset
/// (`curl_easy_reset`) for each transfer; connections do not live here but in the multi handle's
/// connection cache (or an SMTP server's share), so any handle reuses any live connection.
final class CurlHandle {
    let pointer: UnsafeMutableRawPointer
    /// libcurl writes a failed transfer's detail here; allocated once, so its address is stable.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() {
        guard let pointer = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.pointer = pointer
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(pointer)
        errorBuffer.deallocate()
    }

    /// Sets every option of `transfer`, with its callbacks pointing at it. `share` is the SMTP
    /// server's connection cache (nil for HTTP: the multi handle's cache).
    func prepare(_ transfer: CurlTransfer, share: UnsafeMutableRawPointer?) throws(TransportError) {
        reset()
        _ = pcurl_set_share(pointer, share)
        switch transfer.work {
        case .http(let request): try prepare(request, for: transfer)
        case .mail(let mail, let server): try prepare(mail, via: server, for: transfer)
        }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        _ = pcurl_set_callback(pointer, CURLOPT_WRITEFUNCTION, bodyCallback)
        _ = pcurl_set_pointer(pointer, CURLOPT_WRITEDATA, context)
        _ = pcurl_set_callback(pointer, CURLOPT_HEADERFUNCTION, headerCallback)
        _ = pcurl_set_pointer(pointer, CURLOPT_HEADERDATA, context)
    }

    private func prepare(_ request: OutgoingHTTPRequest, for transfer: CurlTransfer) throws(TransportError) {
        setTimeouts(total: request.timeout, connect: request.connectTimeout)
        try set(CURLOPT_URL, request.url)
        _ = pcurl_set_string(pointer, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = pcurl_set_long(pointer, CURLOPT_FOLLOWLOCATION, 0)
        _ = pcurl_set_string(pointer, CURLOPT_CUSTOMREQUEST, request.method)
        // A HEAD answer has no body: without NOBODY libcurl would wait for the one its length announces.
        if request.method == "HEAD" { _ = pcurl_set_long(pointer, CURLOPT_NOBODY, 1) }
        if request.method == "POST" || !request.body.isEmpty {
            _ = pcurl_set_long(pointer, CURLOPT_POST, 1)
            _ = pcurl_set_offset(pointer, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            // COPYPOSTFIELDS: libcurl keeps its own copy, as the transfer outlives this call.
            if request.body.isEmpty {
                _ = pcurl_set_string(pointer, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                request.body.withUnsafeBytes { bytes in
                    _ = pcurl_set_pointer(pointer, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!))
                }
            }
        }
        let headers = CurlList(request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"])
        transfer.lists.append(headers)
        _ = pcurl_set_slist(pointer, CURLOPT_HTTPHEADER, headers.pointer)
        if let auth = request.basicAuth {
            _ = pcurl_set_long(pointer, CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC
            try set(CURLOPT_USERNAME, auth.user)
            try set(CURLOPT_PASSWORD, auth.password)
        }
    }

    private func prepare(_ mail: OutgoingMail, via server: SMTPServer, for transfer: CurlTransfer) throws(TransportError) {
        setTimeouts(total: server.timeout, connect: .seconds(5))
        try set(CURLOPT_URL, server.url)
        _ = pcurl_set_string(pointer, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        try set(CURLOPT_MAIL_FROM, "<\(mail.from)>")
        let recipients = CurlList(mail.recipients.map { "<\($0)>" })
        transfer.lists.append(recipients)
        _ = pcurl_set_slist(pointer, CURLOPT_MAIL_RCPT, recipients.pointer)
        _ = pcurl_set_long(pointer, CURLOPT_USE_SSL, Int(server.tls == .required ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
        if let caFile = server.caFile { try set(CURLOPT_CAINFO, caFile) }
        if let username = server.username {
            try set(CURLOPT_USERNAME, username)
            try set(CURLOPT_PASSWORD, server.password ?? "")
        }
        let source = UploadSource(mail.message)
        transfer.upload = source
        _ = pcurl_set_long(pointer, CURLOPT_UPLOAD, 1)
        _ = pcurl_set_offset(pointer, CURLOPT_INFILESIZE_LARGE, curl_off_t(mail.message.count))
        _ = pcurl_set_callback(pointer, CURLOPT_READFUNCTION, uploadCallback)
        _ = pcurl_set_pointer(pointer, CURLOPT_READDATA, Unmanaged.passUnretained(source).toOpaque())
    }

    /// What a finished transfer comes to, from libcurl's result code and what the callbacks collected.
    func outcome(_ code: CURLcode, of transfer: CurlTransfer) -> CurlTransfer.Outcome {
        var status = 0
        _ = pcurl_get_long(pointer, CURLINFO_RESPONSE_CODE, &status)
        guard code != CURLE_OK else {
            return .success(IncomingHTTPResponse(status: status, headers: transfer.sink.headerFields, body: transfer.sink.body))
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let error: TransportError =
            switch code {
            case CURLE_OPERATION_TIMEDOUT: .timeout
            case CURLE_WRITE_ERROR where transfer.sink.overflowed: .responseTooLarge
            case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidRequest(message)
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_CERTPROBLEM,
                CURLE_SSL_CACERT_BADFILE:
                .tls(message)
            default: .network(code: Int(code.rawValue), message: message)
            }
        if case .mail = transfer.work, status >= 400, case .network(_, let message) = error {
            return .failure(.smtp(code: status, message: message))
        }
        return .failure(error)
    }

    // MARK: Plumbing

    private func reset() {
        curl_easy_reset(pointer)
        errorBuffer[0] = 0
        _ = pcurl_set_pointer(pointer, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = pcurl_set_long(pointer, CURLOPT_NOSIGNAL, 1)
        _ = pcurl_set_long(pointer, CURLOPT_TCP_KEEPALIVE, 1)
    }

    private func setTimeouts(total: Duration, connect: Duration) {
        _ = pcurl_set_long(pointer, CURLOPT_TIMEOUT_MS, milliseconds(total))
        _ = pcurl_set_long(pointer, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(connect))
    }

    private func set(_ option: CURLoption, _ value: String) throws(TransportError) {
        let code = pcurl_set_string(pointer, option, value)
        guard code == CURLE_OK else { throw .invalidRequest(String(cString: curl_easy_strerror(code))) }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

private let bodyCallback: pcurl_data_callback = { data, size, count, context in
    let sink = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().sink
    let length = size * count
    guard sink.body.count + length <= CurlTransport.maximumResponseBytes else {
        sink.overflowed = true
        return 0
    }
    if let data { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
    return length
}

private let headerCallback: pcurl_data_callback = { data, size, count, context in
    let sink = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().sink
    let length = size * count
    if let data { sink.appendHeaderLine(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)) }
    return length
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
