import Foundation
import PasswordlessCore

/// The HTML of emails beyond escaping (``HTMLText``): which sign-in links may go into an `href`,
/// and a text template turned into paragraphs.
enum EmailHTML {
    /// Whether `link` may be put into an `href` (escaped, like every value): an absolute `http` or
    /// `https` URL with a host, in printable ASCII without the characters a URL always has
    /// percent-encoded (space, `"`, `<`, `>`, `\`, `` ` ``).
    static func isSafeLink(_ link: String) -> Bool {
        guard !link.isEmpty, link.unicodeScalars.count <= SignInLink.maximumLength,
            link.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !"\"<>\\`".unicodeScalars.contains($0) }),
            let url = URLComponents(string: link), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else { return false }
        return true
    }

    /// A text template as HTML: escaped, paragraphs at blank lines and `<br>` at single line
    /// breaks. `pieces` are the template's literal text and its already-rendered placeholder
    /// values (HTML), in order.
    static func paragraphs(_ pieces: [(html: String, isLiteral: Bool)]) -> String {
        let escaped = pieces.map { $0.isLiteral ? HTMLText.escape($0.html) : $0.html }.joined()
        let normalised = escaped.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var paragraphs: [[Substring]] = [[]]
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !(paragraphs.last?.isEmpty ?? true) { paragraphs.append([]) }
            } else {
                paragraphs[paragraphs.count - 1].append(line)
            }
        }
        return paragraphs.filter { !$0.isEmpty }
            .map { "<p style=\"\(DefaultEmail.paragraphStyle)\">" + $0.joined(separator: "<br>\n") + "</p>" }
            .joined(separator: "\n")
    }
}
