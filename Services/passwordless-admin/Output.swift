import Foundation

/// Prints what a command created or found: `key: value` lines for people, one JSON object with
/// `--json`; lists as a table for people, one JSON array with `--json`.
///
/// Every line a command prints goes through ``write(_:terminator:)``: to standard output, or, while a
/// ``Sink`` is set for the task (``capture(_:)``), into that sink. The console runs the CLI's own
/// commands in-process and reads their `--json` output this way.
enum Output {
    typealias Fields = [(key: String, value: (any Sendable)?)]

    /// Collects the lines a command prints instead of standard output.
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []

        func append(_ line: String) {
            lock.lock()
            defer { lock.unlock() }
            lines.append(line)
        }

        /// Everything written so far, one line per ``Output/write(_:terminator:)``.
        var text: String {
            lock.lock()
            defer { lock.unlock() }
            return lines.joined(separator: "\n")
        }
    }

    /// The sink of the running task, if any.
    @TaskLocal static var sink: Sink?

    /// Runs `body` with its printed lines going into a fresh sink, returned with the result.
    static func capture<T>(_ body: () async throws -> T) async rethrows -> (result: T, output: String) {
        let sink = Sink()
        let result = try await $sink.withValue(sink) { try await body() }
        return (result, sink.text)
    }

    /// One line of output: into the task's sink when one is set, on standard output otherwise.
    static func write(_ line: String, terminator: String = "\n") {
        if let sink { sink.append(line) } else { Swift.print(line, terminator: terminator) }
    }

    static func print(_ fields: KeyValuePairs<String, (any Sendable)?>, json: Bool) {
        print(fields.map { (key: $0.key, value: $0.value) }, json: json)
    }

    static func print(_ fields: Fields, json: Bool) {
        if json {
            write(jsonText(JSONObject(fields)))
        } else {
            for (key, value) in fields {
                guard let value else { continue }
                write("\(key): \(text(value))")
            }
        }
    }

    /// One row per object: the `columns` as a tab-separated table, or every field as JSON.
    static func printList(_ rows: [KeyValuePairs<String, (any Sendable)?>], columns: [String], json: Bool) {
        printList(rows.map { $0.map { (key: $0.key, value: $0.value) } }, columns: columns, json: json)
    }

    static func printList(_ rows: [Fields], columns: [String], json: Bool) {
        if json {
            write(jsonText(rows.map(JSONObject.init)))
            return
        }
        write(columns.joined(separator: "\t"))
        for row in rows {
            write(columns.map { column in row.first { $0.key == column }?.value.map(text) ?? "" }.joined(separator: "\t"))
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

/// The admin CLI's `print`: shadows the standard library's in this module so that every line a
/// command prints goes through ``Output/write(_:terminator:)`` (and so into the console's sink).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Output.write(items.map { "\($0)" }.joined(separator: separator), terminator: terminator)
}
