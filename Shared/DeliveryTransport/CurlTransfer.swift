import CCurl
import Foundation
import NIOConcurrencyHelpers

/// One transfer handed to a ``CurlMultiDriver``: what to send, where its outcome goes, and what
/// libcurl's callbacks collect while it runs.
///
/// Everything but the cancellation flag is touched by the driver's thread only, after the
/// submission (whose lock orders it after the caller's writes); hence `@unchecked Sendable`.
final class CurlTransfer: @unchecked Sendable {
    /// An HTTP request or a message to submit over SMTP.
    enum Work {
        case http(OutgoingHTTPRequest)
        case mail(OutgoingMail, SMTPServer)
    }

    /// A response for HTTP; for SMTP, a response whose status is the server's last reply code.
    typealias Outcome = Result<IncomingHTTPResponse, TransportError>

    let work: Work
    /// Set by the caller before submission; resumed once, by the driver.
    var continuation: CheckedContinuation<Outcome, Never>?
    private let cancelRequested = NIOLockedValueBox(false)

    // MARK: Driver thread only

    /// The easy handle lent to the transfer while it runs.
    var handle: CurlHandle?
    let sink = ResponseSink()
    var upload: UploadSource?
    /// String lists (headers, recipients) libcurl reads while the transfer runs.
    var lists: [CurlList] = []

    init(_ work: Work) { self.work = work }

    /// Whether the calling task was cancelled; the driver checks before it starts the transfer.
    var isCancelled: Bool { cancelRequested.withLockedValue { $0 } }

    func markCancelled() { cancelRequested.withLockedValue { $0 = true } }

    /// Frees what libcurl no longer reads and hands the outcome to the waiting caller.
    func finish(_ outcome: Outcome) {
        for index in lists.indices { lists[index].free() }
        lists = []
        upload = nil
        handle = nil
        continuation?.resume(returning: outcome)
        continuation = nil
    }

    /// Refuses what must never reach libcurl, on the caller's side, before any submission.
    static func validate(_ work: Work) throws(TransportError) {
        switch work {
        case .http(let request):
            let scheme = request.url.prefix { $0 != ":" }.lowercased()
            guard scheme == "http" || scheme == "https" else { throw .invalidRequest("only http and https URLs are allowed") }
        case .mail(let mail, let server):
            let scheme = server.url.prefix { $0 != ":" }.lowercased()
            guard scheme == "smtp" || scheme == "smtps" else { throw .invalidRequest("the SMTP URL must start with smtp:// or smtps://") }
            guard !mail.recipients.isEmpty else { throw .invalidRequest("no recipient") }
            // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
            for address in [mail.from] + mail.recipients
            where address.unicodeScalars.contains(where: { "\r\n<>".unicodeScalars.contains($0) }) {
                throw .invalidRequest("an envelope address contains a forbidden character")
            }
        }
    }
}

/// Collects a response's body (bounded by ``CurlTransport/maximumResponseBytes``) and header lines.
final class ResponseSink {
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
final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// A libcurl string list, freed by its owner.
struct CurlList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines { pointer = curl_slist_append(pointer, line) }
    }

    mutating func free() {
        curl_slist_free_all(pointer)
        pointer = nil
    }
}
