import Crypto
import Foundation

/// AWS Signature Version 4 for a request in headers (`Authorization` and `X-Amz-Date`), as
/// Amazon SES and every other AWS JSON API check it: a canonical request (method, path, sorted
/// query, the signed headers in lower case and sorted, the payload's SHA-256) is hashed into a
/// string to sign under the scope `<date>/<region>/<service>/aws4_request`, and signed with a key
/// derived from the secret by HMAC-SHA256 over that same scope. The secret never leaves this
/// type; the signature is worthless for another request, another day or another region.
public struct AWSSignatureV4: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// The headers to add to the request: `X-Amz-Date`, then `Authorization`.
    ///
    /// - Parameters:
    ///   - path: the request's path as sent (already percent-encoded); each segment is encoded
    ///     once more, as AWS requires of every service but S3.
    ///   - query: the query's names and values, not encoded (they are encoded and sorted here).
    ///   - headers: every header to sign, `Host` included, exactly as sent.
    public func sign(
        method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)],
        payload: [UInt8], date: Date
    ) -> [(name: String, value: String)] {
        let (amzDate, day) = Self.timestamps(date)
        let signed = (headers + [("X-Amz-Date", amzDate)]).map { header in
            (name: header.name.lowercased(), value: Self.collapsingSpaces(header.value))
        }.sorted { $0.name < $1.name }
        let signedNames = signed.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalPath(path),
            query.map { (Self.encode($0.name), Self.encode($0.value)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&"),
            signed.map { "\($0.name):\($0.value)\n" }.joined(),
            signedNames,
            Self.hex(SHA256.hash(data: payload)),
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        return [
            ("X-Amz-Date", amzDate),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedNames), Signature=\(signature)"),
        ]
    }

    /// `20150830T123600Z` and `20150830`, in UTC.
    static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func padded(_ value: Int?, _ width: Int = 2) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let day = padded(parts.year, 4) + padded(parts.month) + padded(parts.day)
        return (day + "T" + padded(parts.hour) + padded(parts.minute) + padded(parts.second) + "Z", day)
    }

    /// The path with each segment percent-encoded (again); `/` when empty.
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }

    /// RFC 3986 percent-encoding as AWS wants it: unreserved characters stay, every other byte
    /// of the UTF-8 is `%XX` in upper case.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default: out += "%" + String(Self.hexDigits[Int(byte >> 4)]) + String(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// A header value trimmed, with runs of spaces made one.
    static func collapsingSpaces(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    static let hexDigits = Array("0123456789ABCDEF")

    /// Lower-case hex, as AWS writes hashes and signatures.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let lower = Array("0123456789abcdef")
        return String(digest.flatMap { [lower[Int($0 >> 4)], lower[Int($0 & 0x0F)]] })
    }
}
