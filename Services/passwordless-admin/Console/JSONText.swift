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

/// A path segment, percent-encoded (API identifiers are URLs), and back.
enum PathSegment {
    static let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }

    static func decode(_ text: String?) -> String {
        guard let text else { return "" }
        return text.removingPercentEncoding ?? text
    }
}

/// Turns a posted form into CLI flags: each field's `name` is its flag. A field whose value is
/// what the form showed (`shown`: the object's current values) is left out, so an update
/// changes only what the operator changed; a checked checkbox is the bare flag; a choice whose
/// value starts with `--` is that flag by itself (`--disable-signup`).
enum FormArguments {
    static func arguments(_ form: FormBody, fields: [PageView.Field]) -> [String] {
        var arguments: [String] = []
        for field in fields {
            let value = form[field.name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if field.isCheckbox {
                if !value.isEmpty, !field.checked { arguments.append("--\(field.name)") }
                continue
            }
            guard !value.isEmpty, value != field.value else { continue }
            if value.hasPrefix("--") {
                arguments.append(value)
            } else {
                arguments += ["--\(field.name)", value]
            }
        }
        return arguments
    }

    /// `fields` showing the values the operator just posted (after a refused change).
    static func refill(_ fields: [PageView.Field], from form: FormBody) -> [PageView.Field] {
        fields.map { field in
            guard !field.isPassword, let value = form[field.name] else { return field }
            let kind: PageView.Field.Kind =
                field.isCheckbox ? .checkbox : field.isSelect ? .select : field.isTextarea ? .textarea : .text
            return PageView.Field(
                field.name, field.label, value: kind == .checkbox ? "on" : value, help: field.help, kind: kind,
                options: field.options.map(\.value))
        }
    }
}
