/// How many SMS segments a text is billed as, and in which encoding (3GPP TS 23.038).
///
/// A text made only of the GSM-7 default alphabet is sent in 7-bit septets: 160 in one message,
/// 153 per part of a concatenated one (the other seven carry the part header). A character of
/// the extension table (`^{}\[~]|€` and form feed) takes two septets, an escape and itself, and
/// is never split across parts. Any other character makes the whole text UCS-2: 70 UTF-16 code
/// units in one message, 67 per part, and a character outside the BMP (most emoji) takes two
/// code units that stay in one part.
public struct SMSSegments: Sendable, Equatable, CustomStringConvertible {
    /// The encoding a text is sent in; also a metric label (a fixed set).
    public enum Encoding: String, Sendable {
        case gsm7, ucs2
    }

    public let encoding: Encoding
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) in the whole text.
    public let units: Int
    /// Messages the text is sent (and billed) as; 1 for an empty text.
    public let count: Int

    static let gsm7Basic = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)
    static let gsm7Extension = Set("\u{0C}^{}\\[~]|€".unicodeScalars)

    /// Single-message and per-part capacities, in units.
    static let capacity: [Encoding: (single: Int, part: Int)] = [.gsm7: (160, 153), .ucs2: (70, 67)]

    public init(_ text: String) {
        let scalars = text.unicodeScalars
        let gsm7 = scalars.allSatisfy { Self.gsm7Basic.contains($0) || Self.gsm7Extension.contains($0) }
        encoding = gsm7 ? .gsm7 : .ucs2
        // The size of each character that must not be split across parts.
        let sizes: [Int] =
            gsm7
            ? scalars.map { Self.gsm7Extension.contains($0) ? 2 : 1 }
            : scalars.map { $0.utf16.count }
        units = sizes.reduce(0, +)
        let (single, part) = Self.capacity[encoding]!
        guard units > single else {
            count = 1
            return
        }
        var parts = 1
        var used = 0
        for size in sizes {
            if used + size > part {
                parts += 1
                used = 0
            }
            used += size
        }
        count = parts
    }

    /// What a warning says: `2 segments (UCS-2, 75 characters)`.
    public var description: String {
        "\(count) segment\(count == 1 ? "" : "s") (\(encoding == .gsm7 ? "GSM-7" : "UCS-2"), \(units) \(encoding == .gsm7 ? "septets" : "UTF-16 units"))"
    }
}
