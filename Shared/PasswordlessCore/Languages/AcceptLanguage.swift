import Foundation

/// The language ranges of an `Accept-Language` header (RFC 9110 §12.5.4), most preferred first.
///
/// Quality values order the ranges (a stable sort: equal weights keep the header's order);
/// `q=0` means "not this one" and drops the range; `*` names no language and is skipped. The
/// header is untrusted: a malformed range or weight drops that range only, and only the first
/// ``maximumBytes`` bytes and ``maximumRanges`` ranges are read, so a huge header costs nothing.
public struct AcceptLanguage: Sendable, Equatable {
    /// The ranges to try, most preferred first.
    public let ranges: [LanguageTag]

    public static let maximumBytes = 512
    public static let maximumRanges = 16

    public init(_ header: String) {
        var text = Substring(header)
        if text.utf8.count > Self.maximumBytes {
            // Cut at the last comma inside the limit: the range cut in half is dropped.
            let head = text.utf8.prefix(Self.maximumBytes)
            let end = head.lastIndex(of: UInt8(ascii: ",")) ?? head.startIndex
            text = text[..<end]
        }
        var weighted: [(tag: LanguageTag, quality: Int)] = []
        for item in text.split(separator: ",").prefix(Self.maximumRanges) {
            let parameters = item.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            let range = parameters[0]
            guard range != "*", let tag = Self.longestTag(range) else { continue }
            var quality = 1000
            if let weight = parameters.dropFirst().first {
                guard parameters.count == 2, let parsed = Self.quality(weight) else { continue }
                quality = parsed
            }
            if quality > 0 { weighted.append((tag, quality)) }
        }
        // Array sorts are not guaranteed stable: the header's position breaks ties.
        ranges = weighted.enumerated().sorted { ($0.element.quality, -$0.offset) > ($1.element.quality, -$1.offset) }.map(\.element.tag)
    }

    /// `q=0.8` in thousandths (800); nil unless it is RFC 9110's `qvalue`.
    static func quality(_ parameter: Substring) -> Int? {
        let bytes = Array(parameter.utf8)
        guard bytes.count >= 3, bytes[0] | 0x20 == UInt8(ascii: "q"), bytes[1] == UInt8(ascii: "=") else { return nil }
        let value = String(decoding: bytes[2...], as: UTF8.self)
        guard value.range(of: #"^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$"#, options: .regularExpression) != nil else { return nil }
        let parts = value.split(separator: ".")
        let whole = Int(parts[0]) ?? 0
        let fraction = parts.count > 1 ? Int(parts[1].padding(toLength: 3, withPad: "0", startingAt: 0)) ?? 0 : 0
        return whole * 1000 + fraction
    }

    /// The longest prefix of a range (RFC 4647 `language-range`: `1*8ALPHA *("-" 1*8alphanum)`)
    /// that is a ``LanguageTag``, for ranges whose later subtags messages never use
    /// (`de-CH-1996` → `de-CH`); nil for anything that is not a language range.
    static func longestTag(_ range: Substring) -> LanguageTag? {
        let parts = range.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }),
            parts[0].allSatisfy(\.isLetter)
        else { return nil }
        for count in stride(from: parts.count, to: 0, by: -1) {
            if let tag = LanguageTag(parts.prefix(count).joined(separator: "-")) { return tag }
        }
        return nil
    }
}

extension Substring {
    /// Without the spaces and tabs HTTP allows around list items and parameters.
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[start...end]
    }
}
