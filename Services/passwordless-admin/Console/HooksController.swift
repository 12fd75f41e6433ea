import Hummingbird

/// `/tenants/<name>/hooks`: signed event hooks: list, create (its secret shown once), delete (confirmed), through `hook …`.
struct HooksController {
    let commands: ConsoleCommands
    let pages: Pages

    static let fields = [
        PageView.Field("url", "URL", help: "Where events are POSTed: an absolute http(s) URL."),
        PageView.Field("events", "Events", value: "*", help: "Comma-separated event types, or * for all."),
    ]

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/hooks") { _, context in await list(TenantPage.tenant(context), context: context) }
        router.post("/tenants/:tenant/hooks") { _, context in
            let tenant = TenantPage.tenant(context)
            let blank = Self.fields.map { PageView.Field($0.name, $0.label) }
            let outcome = await commands.change(
                ["hook", "create", "--tenant", tenant] + FormArguments.arguments(context.form, fields: blank), context: context)
            if let error = outcome.error {
                return await list(tenant, context: context, error: error, form: FormArguments.refill(Self.fields, from: context.form))
            }
            let page = TenantPage.result(
                outcome.object, title: "Hook created", tenant: tenant, back: TenantPage.path(tenant, "hooks"), secretKey: "secret")
            return pages.render("page", page, context: context)
        }
        router.get("/tenants/:tenant/hooks/:id/delete") { _, context in
            let (tenant, id) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("id")))
            let page = TenantPage.confirm(
                "Delete the hook \(id)? It receives no more events.",
                action: TenantPage.path(tenant, "hooks/\(PathSegment.encode(id))/delete"),
                button: "Delete hook", cancel: TenantPage.path(tenant, "hooks"), tenant: tenant, title: "Delete hook")
            return pages.render("page", page, context: context)
        }
        router.post("/tenants/:tenant/hooks/:id/delete") { _, context in
            let (tenant, id) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("id")))
            let outcome = await commands.change(["hook", "delete", "--tenant", tenant, "--", id], json: false, context: context)
            return await list(tenant, context: context, error: outcome.error)
        }
    }

    func list(_ tenant: String, context: ConsoleContext, error: String? = nil, form: [PageView.Field] = fields) async -> Response {
        let outcome = await commands.read(["hook", "list", "--tenant", tenant])
        var page = PageView(title: "Hooks of \(tenant)")
        page.tenant = tenant
        page.error = error ?? outcome.error
        let builder = TableBuilder(
            columns: [.init("Id", "id"), .init("URL", "url"), .init("Events", "events")],
            actions: { hook in
                [.init(label: "Delete", href: TenantPage.path(tenant, "hooks/\(JSONText.text(hook["id"]))/delete"), danger: true)]
            })
        page.tables = [builder.table(outcome.objects, empty: "No hooks yet.")]
        page.forms = [
            .init(title: "New hook", action: TenantPage.path(tenant, "hooks"), submit: "Create hook", fields: form, id: "create-hook")
        ]
        return pages.render("page", page, context: context)
    }
}
