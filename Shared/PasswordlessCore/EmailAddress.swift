/// An email address, trimmed and in lower case, shaped `local@domain.tld`.
///
/// The check is deliberately plain: one `@`, a non-empty local part, a domain with a dot, no
/// white space, control characters, angle brackets, commas or semicolons, at most 254 bytes.
/// That refuses everything that could inject SMTP headers or a second recipient.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let address: String

    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace.lowercased()
        guard trimmed.utf8.count <= 254, !trimmed.isEmpty else { return nil }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || "<>,;:\"\\()[]".unicodeScalars.contains($0) })
        else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return nil }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return nil }
        address = trimmed
    }

    public var description: String { address }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
