import Foundation

/// An email address as a login identity: one spelling per mailbox, and nothing that reads as
/// somebody else's address.
///
/// A login identity must have exactly one spelling, or the same person becomes two users
/// (`bücher.example` and `xn--bcher-kva.example`, a composed and a decomposed `é`). And an
/// address must look like what it is: with invisible characters, bidirectional controls or
/// letters from another script that look like Latin ones (a Cyrillic `а` in `pаypal.com`), an
/// attacker can register or phish with an address that reads as someone else's.
///
/// What is normalised, in this order:
/// - white space at both ends is trimmed;
/// - the whole address is NFC-normalised and put in lower case;
/// - the domain is mapped as UTS #46 maps it (NFKC, lower case, the ideographic and full-width
///   full stops `。．｡` become `.`), and every label that is not ASCII is stored in its ASCII
///   (IDNA) form, `xn--` and its Punycode. So `ada@BÜCHER.example`, `ada@bu\u{308}cher.example`
///   and `ada@xn--bcher-kva.example` are all `ada@xn--bcher-kva.example`.
///
/// What is refused (`bad.email`):
/// - U+FFFD, which is what invalid UTF-8 has become by the time the text is a `String`;
/// - C0 and C1 controls, format characters (Unicode category Cf: zero-width space and joiners,
///   LRM/RLM, bidirectional embeddings, overrides and isolates, the byte order mark, the soft
///   hyphen, the tag characters), line and paragraph separators, variation selectors, other
///   default-ignorable (invisible) characters, private-use, unassigned and noncharacter code
///   points, and all white space;
/// - `<>,;:"\()[]`, anything but exactly one `@`, an empty local part or one over 64 bytes, and
///   a stored address over 254 bytes: that refuses everything that could inject SMTP headers or
///   a second recipient;
/// - a non-ASCII local part that holds compatibility characters (full-width `ａ`, ligatures: a
///   different code for a letter that looks the same), starts with a combining mark, or mixes
///   scripts;
/// - a domain label that, in its Unicode form, holds anything but letters, combining marks,
///   digits and `-`, starts with a combining mark, or mixes scripts (Latin with Cyrillic, Greek
///   with Latin, …; digits, `-` and combining marks go with any script; Japanese may mix Han,
///   Hiragana and Katakana, Chinese Han and Bopomofo, Korean Han and Hangul, and each of those
///   with Latin, as UTS #39 "highly restrictive" allows);
/// - an `xn--` label that is not valid Punycode, or whose Unicode form breaks the rules above,
///   or that is not the one canonical spelling of that Unicode form;
/// - in the ASCII form: a label that is empty, over 63 bytes, holds anything but letters,
///   digits and `-` (no `_`), starts or ends with `-`, or has `--` in positions 3 and 4 without
///   being an `xn--` label; fewer than two labels, a top-level label of digits only, or a
///   domain over 253 bytes.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let address: String

    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace
        // Bounds the normalisation work; anything longer cannot be stored anyway.
        guard !trimmed.isEmpty, trimmed.utf8.count <= 1024, trimmed.unicodeScalars.allSatisfy(Self.isPermitted) else { return nil }
        let normalised = trimmed.precomposedStringWithCanonicalMapping.lowercased().precomposedStringWithCanonicalMapping
        guard normalised.unicodeScalars.allSatisfy(Self.isPermitted),
            !normalised.unicodeScalars.contains(where: { "<>,;:\"\\()[]".unicodeScalars.contains($0) })
        else { return nil }
        // Split on scalars, not characters: an `@` followed by a combining mark is one Character.
        let parts = normalised.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let local = String(String.UnicodeScalarView(parts[0]))
        guard !local.isEmpty, local.utf8.count <= 64, Self.isAcceptableLocalPart(local),
            let domain = Self.asciiDomain(String(String.UnicodeScalarView(parts[1])))
        else { return nil }
        let stored = local + "@" + domain
        guard stored.utf8.count <= 254 else { return nil }
        address = stored
    }

    public var description: String { address }

    // MARK: Characters

    /// False for U+FFFD, controls, white space, invisible and format characters, and code points
    /// that have no business in an address (private use, unassigned, noncharacters).
    static func isPermitted(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value > 0x20 && value != 0x7F }
        if value <= 0x9F || value == 0xFFFD { return false }  // C1 controls, the replacement character
        if (0xFE00...0xFE0F).contains(value) || (0xE0100...0xE01EF).contains(value) || (0x180B...0x180F).contains(value) {
            return false  // variation selectors
        }
        if (0xE0000...0xE007F).contains(value) { return false }  // tag characters
        let properties = scalar.properties
        if properties.isWhitespace || properties.isDefaultIgnorableCodePoint || properties.isNoncharacterCodePoint { return false }
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .privateUse, .surrogate, .unassigned:
            return false
        default:
            return true
        }
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    static func isAcceptableLocalPart(_ local: String) -> Bool {
        guard !local.unicodeScalars.allSatisfy(\.isASCII) else { return true }
        guard let first = local.unicodeScalars.first, !isMark(first) else { return false }
        // Compared scalar by scalar: `==` on String compares canonical equivalents as equal.
        let compatibility = local.precomposedStringWithCompatibilityMapping
        return compatibility.unicodeScalars.elementsEqual(local.unicodeScalars) && UnicodeScript.isSingleScript(local)
    }

    // MARK: Domain

    /// The domain mapped as UTS #46 maps it: NFKC, lower case, the other full stops as `.`.
    static func uts46Mapped(_ text: String) -> String {
        let mapped = text.precomposedStringWithCompatibilityMapping.lowercased().precomposedStringWithCompatibilityMapping
        return String(String.UnicodeScalarView(mapped.unicodeScalars.map { ["\u{3002}", "\u{FF0E}", "\u{FF61}"].contains($0) ? "." : $0 }))
    }

    /// The domain in its ASCII form, or nil if it is not an acceptable domain.
    static func asciiDomain(_ text: String) -> String? {
        let mapped = uts46Mapped(text)
        guard mapped.unicodeScalars.allSatisfy(isPermitted) else { return nil }
        let labels = mapped.unicodeScalars.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        var ascii: [String] = []
        for label in labels {
            guard let converted = asciiLabel(String(String.UnicodeScalarView(label))) else { return nil }
            ascii.append(converted)
        }
        guard let top = ascii.last, !top.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let domain = ascii.joined(separator: ".")
        return domain.utf8.count <= 253 ? domain : nil
    }

    /// One mapped label in its ASCII form, or nil.
    static func asciiLabel(_ label: String) -> String? {
        guard !label.unicodeScalars.allSatisfy(\.isASCII) else {
            guard isLDHLabel(label) else { return nil }
            guard label.hasPrefix("xn--") else { return hasHyphensAtThreeAndFour(label) ? nil : label }
            // An A-label must decode, be an acceptable U-label, and be that U-label's one spelling.
            guard let unicode = Punycode.decode(label.dropFirst(4)), unicodeLabelToASCII(unicode) == label else { return nil }
            return label
        }
        return unicodeLabelToASCII(label)
    }

    /// `xn--` and the Punycode of a U-label, or nil if the label is not acceptable.
    static func unicodeLabelToASCII(_ label: String) -> String? {
        let scalars = label.unicodeScalars
        // Compared scalar by scalar: `==` on String would call a decomposed label equal to its NFC form.
        guard scalars.contains(where: { !$0.isASCII }), uts46Mapped(label).unicodeScalars.elementsEqual(scalars),
            let first = scalars.first, !isMark(first), scalars.allSatisfy(isLabelScalar), !hasHyphensAtThreeAndFour(label),
            UnicodeScript.isSingleScript(label),
            let encoded = Punycode.encode(label)
        else { return nil }
        let ascii = "xn--" + encoded
        return isLDHLabel(ascii) ? ascii : nil
    }

    /// A letter, digit or `-` in ASCII; a letter, combining mark or digit beyond it.
    private static func isLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else {
            guard isPermitted(scalar) else { return false }
            switch scalar.properties.generalCategory {
            case .lowercaseLetter, .modifierLetter, .otherLetter, .nonspacingMark, .spacingMark, .decimalNumber: return true
            default: return false
            }
        }
        return isLDH(UInt8(scalar.value))
    }

    private static func isLDH(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-")
    }

    /// 1 to 63 bytes of lower-case letters, digits and `-`, not starting or ending with `-`.
    private static func isLDHLabel(_ label: String) -> Bool {
        let bytes = label.utf8
        return (1...63).contains(bytes.count) && bytes.allSatisfy(isLDH) && bytes.first != UInt8(ascii: "-")
            && bytes.last != UInt8(ascii: "-")
    }

    /// `--` in positions 3 and 4 is reserved for ACE prefixes such as `xn--` (RFC 5891 §4.2.3.1).
    private static func hasHyphensAtThreeAndFour(_ label: String) -> Bool {
        let scalars = Array(label.unicodeScalars.prefix(4))
        return scalars.count == 4 && scalars[2] == "-" && scalars[3] == "-"
    }
}

/// The scripts the single-script rule tells apart: a simple table of code point ranges, which
/// is enough to refuse the look-alikes that matter (Latin with Cyrillic or Greek, and so on).
/// A letter outside the table counts as the script `other`; digits, punctuation, symbols and
/// combining marks count as no script and go with any.
enum UnicodeScript: Hashable {
    case latin, greek, cyrillic, armenian, hebrew, arabic, han, hiragana, katakana, bopomofo, hangul, thai, devanagari, other

    private static let table: [(ClosedRange<UInt32>, UnicodeScript)] = [
        (0x0041...0x005A, .latin), (0x0061...0x007A, .latin), (0x00AA...0x00AA, .latin), (0x00BA...0x00BA, .latin),
        (0x00C0...0x024F, .latin), (0x0250...0x02AF, .latin), (0x1D00...0x1D25, .latin), (0x1D2C...0x1D5C, .latin),
        (0x1D62...0x1D65, .latin), (0x1D6B...0x1D77, .latin), (0x1D79...0x1DBF, .latin), (0x1E00...0x1EFF, .latin),
        (0x2071...0x2071, .latin), (0x207F...0x207F, .latin), (0x2090...0x209C, .latin), (0x212A...0x212B, .latin),
        (0x2132...0x2132, .latin), (0x214E...0x214E, .latin), (0x2160...0x2188, .latin), (0x2C60...0x2C7F, .latin),
        (0xA722...0xA7FF, .latin), (0xAB30...0xAB64, .latin), (0xFB00...0xFB06, .latin), (0xFF21...0xFF3A, .latin),
        (0xFF41...0xFF5A, .latin), (0x10780...0x107BA, .latin), (0x1DF00...0x1DF2A, .latin),
        (0x0370...0x03FF, .greek), (0x1D26...0x1D2A, .greek), (0x1D5D...0x1D61, .greek), (0x1D66...0x1D6A, .greek),
        (0x1F00...0x1FFF, .greek), (0x2126...0x2126, .greek), (0xAB65...0xAB65, .greek), (0x10140...0x1018F, .greek),
        (0x0400...0x052F, .cyrillic), (0x1C80...0x1C8F, .cyrillic), (0x1D2B...0x1D2B, .cyrillic), (0x1D78...0x1D78, .cyrillic),
        (0x2DE0...0x2DFF, .cyrillic), (0xA640...0xA69F, .cyrillic), (0x1E030...0x1E08F, .cyrillic),
        (0x0531...0x058F, .armenian), (0xFB13...0xFB17, .armenian),
        (0x0591...0x05FF, .hebrew), (0xFB1D...0xFB4F, .hebrew),
        (0x0600...0x06FF, .arabic), (0x0750...0x077F, .arabic), (0x0870...0x08FF, .arabic), (0xFB50...0xFDFF, .arabic),
        (0xFE70...0xFEFC, .arabic), (0x10E60...0x10E7E, .arabic), (0x1EE00...0x1EEFF, .arabic),
        (0x0900...0x097F, .devanagari), (0xA8E0...0xA8FF, .devanagari),
        (0x0E00...0x0E7F, .thai),
        (0x1100...0x11FF, .hangul), (0x3131...0x318E, .hangul), (0x3200...0x321E, .hangul), (0x3260...0x327E, .hangul),
        (0xA960...0xA97F, .hangul), (0xAC00...0xD7FF, .hangul), (0xFFA0...0xFFDC, .hangul),
        (0x3041...0x309F, .hiragana), (0x1B001...0x1B11F, .hiragana), (0x1F200...0x1F200, .hiragana),
        (0x30A0...0x30FF, .katakana), (0x31F0...0x31FF, .katakana), (0x32D0...0x32FE, .katakana), (0x3300...0x3357, .katakana),
        (0xFF66...0xFF9F, .katakana), (0x1AFF0...0x1AFFE, .katakana), (0x1B000...0x1B000, .katakana), (0x1B120...0x1B122, .katakana),
        (0x02EA...0x02EB, .bopomofo), (0x3105...0x312F, .bopomofo), (0x31A0...0x31BF, .bopomofo),
        (0x2E80...0x2FD5, .han), (0x3005...0x3005, .han), (0x3007...0x3007, .han), (0x3021...0x3029, .han),
        (0x3038...0x303B, .han), (0x3400...0x4DBF, .han), (0x4E00...0x9FFF, .han), (0xF900...0xFAFF, .han),
        (0x20000...0x323AF, .han),
    ]

    /// The script of a letter or digit, or nil for a character that goes with any script.
    static func of(_ scalar: Unicode.Scalar) -> UnicodeScript? {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber, .decimalNumber:
            break
        default:
            return nil
        }
        let value = scalar.value
        if (0x30...0x39).contains(value) || (0x02B0...0x02FF).contains(value) && !(0x02EA...0x02EB).contains(value) {
            return nil  // ASCII digits; spacing modifier letters such as the ʻokina, used with any script
        }
        return table.first(where: { $0.0.contains(value) })?.1 ?? .other
    }

    /// True if the scripts of `text` are one script, or a combination a language writes with:
    /// Han with Hiragana and Katakana (Japanese), with Bopomofo (Chinese) or with Hangul
    /// (Korean), each of those also with Latin (UTS #39, "highly restrictive").
    static func isSingleScript(_ text: String) -> Bool {
        let scripts = Set(text.unicodeScalars.compactMap(of))
        guard scripts.count > 1 else { return true }
        let east: Set<UnicodeScript> = scripts.subtracting([.latin])
        return east.isSubset(of: [.han, .hiragana, .katakana]) || east.isSubset(of: [.han, .bopomofo])
            || east.isSubset(of: [.han, .hangul])
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
