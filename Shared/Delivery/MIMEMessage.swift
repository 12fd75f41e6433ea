import Foundation
import PasswordlessCore

/// Builds the RFC 5322 text of an email: `multipart/alternative` with a `text/plain` and a
/// `text/html` part, or a one-part `text/plain` message when there is no HTML.
///
/// Nothing a user sends can add a header: the recipient is a validated ``EmailAddress``, the
/// subject is always an RFC 2047 encoded word (UTF-8, base64) with line breaks removed, and each
/// body is base64 (so no line of it can be read as a header, a boundary or the end of DATA). The
/// boundary starts with `=_`, which base64 text never contains.
public enum MIMEMessage {
    public static func build(
        from: String, to: EmailAddress, subject: String, body: String, html: String? = nil, messageID: String, date: Date = Date(),
        boundary: String = makeBoundary()
    ) -> [UInt8] {
        let domain = from.split(separator: "@").last.map(String.init) ?? "passwordless.invalid"
        let cleanSubject = subject.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        var lines = [
            "Date: \(rfc5322Date(date))",
            "From: <\(from)>",
            "To: <\(to.address)>",
            "Subject: " + encodedWords(cleanSubject),
            "Message-ID: <\(messageID)@\(domain)>",
            "MIME-Version: 1.0",
        ]
        if let html {
            lines += ["Content-Type: multipart/alternative; boundary=\"\(boundary)\"", ""]
            lines += ["--\(boundary)"] + part(type: "text/plain", body)
            lines += ["--\(boundary)"] + part(type: "text/html", html)
            lines.append("--\(boundary)--")
        } else {
            lines += part(type: "text/plain", body)
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// A boundary no base64 line can contain: `=_` (never in base64 text) and 128 random bits.
    public static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        return "=_pl_" + (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "_")
    }

    /// One body part's headers, a blank line, and `text` (CRLF line ends) in base64 lines of 76.
    static func part(type: String, _ text: String) -> [String] {
        var lines = ["Content-Type: \(type); charset=UTF-8", "Content-Transfer-Encoding: base64", ""]
        let encoded = Data(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, folded onto continuation lines.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
