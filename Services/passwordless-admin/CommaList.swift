import Foundation

/// `a, b,,a` → `["a", "b"]`: what list flags (`--scopes`, `--callbacks`, …) accept — trimmed,
/// empty entries dropped, each value once, in the order given.
enum CommaList {
    static func parse(_ text: String?) -> [String] {
        var seen: Set<String> = []
        return (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && seen.insert($0).inserted
        }
    }
}
