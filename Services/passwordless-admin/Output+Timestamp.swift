import Foundation

extension Output {
    /// A time as every command prints it: ISO 8601 in UTC, to the second (`2026-11-27T18:40:12Z`).
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
