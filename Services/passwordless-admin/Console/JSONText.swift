import Foundation

/// How the console shows a value from a command's `--json` output.
enum JSONText {
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return ""
        case let text as String: return text
        case let list as [Any]: return list.map { text($0) }.joined(separator: ", ")
        case let flag as Bool: return flag ? "yes" : "no"
        case let value?: return "\(value)"
        }
    }

    /// A value as a form field holds it: lists comma-separated without spaces, as the CLI takes them.
    static func field(_ value: Any?) -> String {
        if let list = value as? [Any] { return list.map { text($0) }.joined(separator: ",") }
        if let flag = value as? Bool { return flag ? "true" : "false" }
        return text(value)
    }
}
