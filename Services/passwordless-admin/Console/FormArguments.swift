import Foundation

/// Turns a posted form into CLI flags: each field's `name` is its flag. A field whose value is
/// what the form showed (its `value`, the object's current one) is left out, so an update
/// changes only what the operator changed; a choice whose value is a flag (`--disable-signup`)
/// is that flag by itself. Values are written `--flag=value`, so one that starts with `-` stays a
/// value.
enum FormArguments {
    static func arguments(_ form: FormBody, fields: [PageView.Field]) -> [String] {
        var arguments: [String] = []
        for field in fields {
            let value = form[field.name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !value.isEmpty, value != field.value else { continue }
            if field.isSelect, value.hasPrefix("--") {
                guard field.options.contains(where: { $0.value == value }) else { continue }
                arguments.append(value)
            } else {
                arguments.append("--\(field.name)=\(value)")
            }
        }
        return arguments
    }

    /// `fields` showing the values the operator just posted (after a refused change).
    static func refill(_ fields: [PageView.Field], from form: FormBody) -> [PageView.Field] {
        fields.map { field in
            guard !field.isPassword, let value = form[field.name] else { return field }
            let kind: PageView.Field.Kind =
                field.isSelect ? .select : field.isTextarea ? .textarea : .text
            return PageView.Field(
                field.name, field.label, value: value, help: field.help, kind: kind,
                options: field.options.map(\.value),
                labels: Dictionary(field.options.map { ($0.value, $0.label) }) { first, _ in first })
        }
    }
}
