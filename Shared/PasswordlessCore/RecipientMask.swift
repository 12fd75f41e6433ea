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
}
