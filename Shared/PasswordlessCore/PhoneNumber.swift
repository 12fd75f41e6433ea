/// A phone number in E.164 form: `+`, a country code that does not start with 0, and 7 to 15
/// digits in all.
///
/// Spaces, dashes, dots, parentheses, no-break spaces and tabs that people type are removed
/// first; anything else that is not E.164 is refused, as Auth0 refuses it (`bad.phone_number`).
/// That includes digits other than ASCII `0`–`9` (Arabic-Indic `٠١٢`, full-width `０１２`):
/// they are refused rather than converted, so one number has one spelling. Fifteen digits is
/// E.164's maximum; seven is the shortest number in use with its country code (Niue and
/// Tokelau have four-digit subscriber numbers behind a three-digit code, `+683 4002`).
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    public let e164: String

    public init?(_ text: String) {
        let compact = text.unicodeScalars.filter { !" -.()\u{00A0}\t".unicodeScalars.contains($0) }
        let string = String(String.UnicodeScalarView(compact))
        let bytes = Array(string.utf8)
        guard (8...16).contains(bytes.count), bytes[0] == UInt8(ascii: "+"), bytes[1] != UInt8(ascii: "0"),
            bytes.dropFirst().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        e164 = string
    }

    public var description: String { e164 }
}
