import Foundation

/// A recipient as events and the deliveries list show it: enough to recognise, not to use.
///
/// `jane@example.com` → `j•••@example.com` (the first character of the local part, the whole
/// domain); `+33612345689` → `+33•••••••89` (the `+`, two digits, the last two); anything else
/// keeps its first character. The masked part is never shorter than three dots.
public enum RecipientMask {
    public static let dot: Character = "•"

    public static func mask(_ recipient: String) -> String {
        if let at = recipient.lastIndex(of: "@") {
            let local = recipient[..<at]
            return String(local.prefix(1)) + String(repeating: dot, count: 3) + recipient[at...]
        }
        let characters = Array(recipient)
        if characters.first == "+", characters.count >= 8 {
            let hidden = characters.count - 5
            return String(characters.prefix(3)) + String(repeating: dot, count: hidden) + String(characters.suffix(2))
        }
        return String(characters.prefix(1)) + String(repeating: dot, count: max(3, characters.count - 1))
    }

    /// `text` (a provider's error, say) with every spelling of `recipient` a provider may echo
    /// replaced by its mask: the address in any case, and a phone number with or without its `+`.
    public static func redact(_ text: String, recipient: String) -> String {
        let masked = mask(recipient)
        var spellings = [recipient]
        if recipient.hasPrefix("+") { spellings.append(String(recipient.dropFirst())) }
        return spellings.reduce(text) { text, spelling in
            text.replacingOccurrences(of: spelling, with: masked, options: .caseInsensitive)
        }
    }
}
