import Foundation

/// Prints what a command created or found: `key: value` lines for people, one JSON object with
/// `--json`; lists as a table for people, one JSON array with `--json`.
enum Output {
    typealias Fields = [(key: String, value: (any Sendable)?)]

    static func print(_ fields: KeyValuePairs<String, (any Sendable)?>, json: Bool) {
        print(fields.map { (key: $0.key, value: $0.value) }, json: json)
    }

    static func print(_ fields: Fields, json: Bool) {
        if json {
            Swift.print(jsonText(JSONObject(fields)))
        } else {
            for (key, value) in fields {
                guard let value else { continue }
                Swift.print("\(key): \(text(value))")
            }
        }
    }

    /// One row per object: the `columns` as a tab-separated table, or every field as JSON.
    static func printList(_ rows: [KeyValuePairs<String, (any Sendable)?>], columns: [String], json: Bool) {
        printList(rows.map { $0.map { (key: $0.key, value: $0.value) } }, columns: columns, json: json)
    }

    static func printList(_ rows: [Fields], columns: [String], json: Bool) {
        if json {
            Swift.print(jsonText(rows.map(JSONObject.init)))
            return
        }
        Swift.print(columns.joined(separator: "\t"))
        for row in rows {
            Swift.print(columns.map { column in row.first { $0.key == column }?.value.map(text) ?? "" }.joined(separator: "\t"))
        }
    }

    /// Compact JSON with sorted keys and unescaped slashes, as every `--json` prints.
    static func jsonText(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    private static func text(_ value: any Sendable) -> String {
        if let list = value as? [String] { return list.joined(separator: ",") }
        return "\(value)"
    }

    /// The fields that have a value, as one JSON object (a value that is not `Encodable` is
    /// written as its description).
    private struct JSONObject: Encodable {
        var fields: Fields

        init(_ fields: Fields) { self.fields = fields }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in fields {
                guard let value else { continue }
                if let value = value as? any Encodable {
                    try container.encode(value, forKey: Key(key))
                } else {
                    try container.encode("\(value)", forKey: Key(key))
                }
            }
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }
}
