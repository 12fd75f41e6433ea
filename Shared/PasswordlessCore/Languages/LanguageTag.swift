/// A BCP 47 language tag of the shape messages are written in: a language (2 or 3 letters), an
/// optional script (4 letters) and an optional region (2 letters or 3 digits), e.g. `fr`,
/// `pt-BR`, `zh-Hans`, `es-419`. Normalised as BCP 47 recommends: `pt-BR`, `zh-Hans`.
///
/// Variants, extensions and private-use subtags are refused: no template is written for them, and
/// a header value that carries them is matched by its shorter prefixes instead.
public struct LanguageTag: Sendable, Hashable, CustomStringConvertible {
    /// The language subtag, lower case.
    public let language: String
    /// The script subtag, title case (`Hans`).
    public let script: String?
    /// The region subtag, upper case (`BR`) or three digits (`419`).
    public let region: String?

    /// The longest tag accepted: longer text is never parsed.
    public static let maximumLength = 16

    /// Languages written right to left (an email in one gets `dir="rtl"`).
    static let rightToLeft: Set<String> = ["ar", "he", "fa", "ur", "yi", "ps", "dv", "ckb", "sd", "ug"]

    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength,
            text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0 & 0xDF) })
        else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy(\.isLetter) else { return nil }
        var rest = parts.dropFirst()
        var script: String?
        if let next = rest.first, next.count == 4, next.allSatisfy(\.isLetter) {
            script = next.prefix(1).uppercased() + next.dropFirst().lowercased()
            rest = rest.dropFirst()
        }
        var region: String?
        if let next = rest.first, (next.count == 2 && next.allSatisfy(\.isLetter)) || (next.count == 3 && next.allSatisfy(\.isNumber)) {
            region = next.uppercased()
            rest = rest.dropFirst()
        }
        guard rest.isEmpty else { return nil }
        language = first.lowercased()
        self.script = script
        self.region = region
    }

    public var description: String { [language, script, region].compactMap { $0 }.joined(separator: "-") }

    /// The tag and its shorter prefixes, longest first, as RFC 4647's lookup truncates:
    /// `zh-Hans-CN`, `zh-Hans`, `zh`.
    public var fallbacks: [String] {
        var tags = [description]
        if script != nil, region != nil { tags.append("\(language)-\(script!)") }
        if script != nil || region != nil { tags.append(language) }
        return tags
    }

    /// Whether the language is written right to left.
    public var isRightToLeft: Bool { Self.rightToLeft.contains(language) }
}
