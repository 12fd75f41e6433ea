import Foundation

/// A path segment, percent-encoded (API identifiers are URLs), and back.
enum PathSegment {
    static let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }

    static func decode(_ text: String?) -> String {
        guard let text else { return "" }
        return text.removingPercentEncoding ?? text
    }
}
