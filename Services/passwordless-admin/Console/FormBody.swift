import Foundation

/// An `application/x-www-form-urlencoded` body, as the console's forms post it (or a query
/// string, which browsers encode the same way: `+` for a space). Line breaks are read as `\n`:
/// browsers post a textarea's as CRLF.
struct FormBody: Sendable {
    /// Each field's value; a field given twice keeps its last value.
    private(set) var values: [String: String] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            values[name] = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
        }
    }

    init(values: [String: String] = [:]) { self.values = values }

    subscript(_ name: String) -> String? { values[name] }

    /// The field's value trimmed, or nil when it is absent or blank.
    func text(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding?.replacingOccurrences(of: "\r\n", with: "\n")
    }
}
