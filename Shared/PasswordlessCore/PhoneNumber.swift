/// A phone number in E.164 form: `+` and 1 to 15 digits.
///
/// Spaces, dashes, dots and parentheses that people type are removed first; anything else that
/// is not E.164 is refused, as Auth0 refuses it (`bad.phone_number`).
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    public let e164: String

    public init?(_ text: String) {
        let compact = text.unicodeScalars.filter { !" -.()\u{00A0}\t".unicodeScalars.contains($0) }
        let string = String(String.UnicodeScalarView(compact))
        guard string.utf8.count >= 2, string.utf8.count <= 16, string.utf8.first == UInt8(ascii: "+"),
            string.utf8.dropFirst().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        e164 = string
    }

    public var description: String { e164 }
}
