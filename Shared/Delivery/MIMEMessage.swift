import Foundation
import PasswordlessCore

/// Builds the RFC 5322 text of a one-part plain-text email.
///
/// Nothing a user sends can add a header: the recipient is a validated ``EmailAddress``, the
/// subject is always an RFC 2047 encoded word (UTF-8, base64) with line breaks removed, and the
/// body is base64 (so no line of it can be read as a header, a boundary or the end of DATA).
public enum MIMEMessage {
    public static func build(
        from: String, to: EmailAddress, subject: String, body: String, messageID: String, date: Date = Date()
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
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        let encoded = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
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
