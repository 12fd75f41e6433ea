import ArgumentParser
import Foundation

/// The console's one mechanism for reads and changes: it runs the CLI's own commands
/// in-process, so a form gets the CLI's validation and the console never disagrees with it.
///
/// An argument list (`["client", "update", id, "--name", …, "--json"]`) is parsed with
/// ``Admin``'s own parser, given the console's store flags, and run; what it prints is captured
/// through ``Output/capture(_:)``; a thrown error becomes its one-line message.
struct CommandRunner: Sendable {
    /// The console's `--database-url`, `--redis-url` and `--queue-partitions`, given to every command.
    let storeArguments: [String]

    /// What a command printed, or the one line that says why it failed.
    struct Outcome: Sendable {
        var output: String
        var error: String?

        /// The output as one JSON value (an object or an array); nil when it is not JSON.
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(output.utf8)) }

        /// The output as one JSON object, or `[:]`.
        var object: [String: Any] { json as? [String: Any] ?? [:] }

        /// The output as a JSON array of objects, or one object per line (`dead list --json`).
        var objects: [[String: Any]] {
            if let array = json as? [[String: Any]] { return array }
            return output.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }
    }

    /// `arguments` with `options` added among its options: before a `--` that ends them (the
    /// console writes one before every positional value that comes from a form or a path, so a
    /// value such as a kid starting with `-` is never read as a flag), at the end otherwise.
    static func adding(_ options: [String], to arguments: [String]) -> [String] {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        return Array(arguments[..<end]) + options + Array(arguments[end...])
    }

    func run(_ arguments: [String]) async -> Outcome {
        do {
            let (_, output) = try await Output.capture {
                var command = try Admin.parseAsRoot(Self.adding(storeArguments, to: arguments))
                if var command = command as? any AsyncParsableCommand {
                    try await command.run()
                } else {
                    try command.run()
                }
            }
            return Outcome(output: output)
        } catch {
            let message = Admin.message(for: error)
            return Outcome(output: "", error: message.isEmpty ? "the command failed" : message)
        }
    }
}
