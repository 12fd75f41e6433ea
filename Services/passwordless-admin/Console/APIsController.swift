import Hummingbird

/// `/tenants/<name>/apis`: the APIs access tokens are issued for: list, create, delete (confirmed), through `api …`.
struct APIsController {
    let commands: ConsoleCommands
    let pages: Pages

    static let fields = [
        PageView.Field("identifier", "Identifier", help: "The audience, e.g. https://api.example.com."),
        PageView.Field("scopes", "Scopes", help: "Comma-separated, e.g. read:orders,write:orders."),
        PageView.Field("token-lifetime", "Token lifetime (s)", help: "60 to 2592000; default 86400."),
    ]

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/apis") { _, context in await list(TenantPage.tenant(context), context: context) }
        router.post("/tenants/:tenant/apis") { _, context in
            let tenant = TenantPage.tenant(context)
            let outcome = await commands.change(
                ["api", "create", "--tenant", tenant] + FormArguments.arguments(context.form, fields: Self.fields), context: context)
            if let error = outcome.error {
                return await list(tenant, context: context, error: error, form: FormArguments.refill(Self.fields, from: context.form))
            }
            return Pages.redirect(TenantPage.path(tenant, "apis"))
        }
        router.get("/tenants/:tenant/apis/:identifier/delete") { _, context in
            let (tenant, identifier) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("identifier")))
            let page = TenantPage.confirm(
                "Delete the API \(identifier)? No more access tokens are issued for it.",
                action: TenantPage.path(tenant, "apis/\(PathSegment.encode(identifier))/delete"), button: "Delete API",
                cancel: TenantPage.path(tenant, "apis"), tenant: tenant, title: "Delete API")
            return pages.render("page", page, context: context)
        }
        router.post("/tenants/:tenant/apis/:identifier/delete") { _, context in
            let (tenant, identifier) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("identifier")))
            let outcome = await commands.change(["api", "delete", "--tenant", tenant, "--", identifier], json: false, context: context)
            return await list(tenant, context: context, error: outcome.error)
        }
    }

    func list(_ tenant: String, context: ConsoleContext, error: String? = nil, form: [PageView.Field] = fields) async -> Response {
        let outcome = await commands.read(["api", "list", "--tenant", tenant])
        var page = PageView(title: "APIs of \(tenant)")
        page.tenant = tenant
        page.error = error ?? outcome.error
        let builder = TableBuilder(
            columns: [.init("Identifier", "identifier"), .init("Scopes", "scopes"), .init("Token lifetime", "token_lifetime")],
            actions: { api in
                let path = TenantPage.path(tenant, "apis/\(PathSegment.encode(JSONText.text(api["identifier"])))")
                return [.init(label: "Delete", href: path + "/delete", danger: true)]
            })
        page.tables = [builder.table(outcome.objects, empty: "No APIs yet.")]
        page.forms = [
            .init(title: "New API", action: TenantPage.path(tenant, "apis"), submit: "Create API", fields: form, id: "create-api")
        ]
        return pages.render("page", page, context: context)
    }
}
