import Hummingbird

/// What the pages inside one tenant share: the tenant of the path, its base path, and a page
/// that lists what a `list --json` printed with an optional form and a confirmation step for
/// deletes and revocations.
enum TenantPage {
    static func tenant(_ context: ConsoleContext) -> String { PathSegment.decode(context.parameters.get("tenant")) }

    static func path(_ tenant: String, _ section: String) -> String { "/tenants/\(PathSegment.encode(tenant))/\(section)" }

    /// A confirmation page for `action` (a POST), back to `cancel` otherwise.
    static func confirm(_ message: String, action: String, button: String, cancel: String, tenant: String, title: String) -> PageView {
        var page = PageView(title: title)
        page.tenant = tenant
        page.confirm = .init(message: message, action: action, button: button, cancel: cancel)
        return page
    }

    /// The page of a change's result: what the command printed (a secret shown this once).
    static func result(_ object: [String: Any], title: String, tenant: String, back: String, secretKey: String?) -> PageView {
        var page = PageView(title: title)
        page.tenant = tenant
        page.result = object.keys.sorted().map { .init(key: $0, value: JSONText.text(object[$0])) }
        if let secretKey, object[secretKey] != nil { page.resultTitle = "Copy the \(secretKey) now: it is shown only this once." }
        page.back = .init(href: back, label: "Back")
        return page
    }
}
