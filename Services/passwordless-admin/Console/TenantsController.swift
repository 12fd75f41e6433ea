import Hummingbird

/// `/tenants`: the list of tenants (`tenant list`) and the form that creates one (`tenant create`).
struct TenantsController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/") { _, _ in Pages.redirect("/tenants") }
        router.get("/tenants") { request, context in await list(context: context, notice: request.uri.queryParameters.get("created")) }
        router.post("/tenants") { _, context in await create(context: context) }
    }

    static let createFields = [
        PageView.Field("name", "Name", help: "Lower-case letters, digits, - and _."),
        PageView.Field("domain", "Domain", help: "The host name clients use, e.g. acme.example.com."),
    ]

    func list(context: ConsoleContext, notice: String? = nil, error: String? = nil, form: [PageView.Field] = createFields) async -> Response
    {
        let outcome = await commands.read(["tenant", "list"])
        var page = PageView(title: "Tenants")
        page.error = error ?? outcome.error
        // Only a tenant name makes a notice: a crafted link cannot put other words on the page.
        page.notice = notice.flatMap { (try? TenantCommand.checkName($0)) != nil ? "Tenant \($0) created." : nil }
        let builder = TableBuilder(columns: [
            .init("Name", "name", link: { "/tenants/\(PathSegment.encode(JSONText.text($0["name"])))/clients" }), .init("Domain", "domain"),
            .init("Id", "id"),
        ])
        page.tables = [builder.table(outcome.objects, empty: "No tenants yet.")]
        page.forms = [PageView.Form(title: "New tenant", action: "/tenants", submit: "Create tenant", fields: form, id: "create-tenant")]
        return pages.render("page", page, context: context)
    }

    func create(context: ConsoleContext) async -> Response {
        let arguments = FormArguments.arguments(context.form, fields: Self.createFields)
        let outcome = await commands.change(["tenant", "create"] + arguments, context: context)
        if let error = outcome.error {
            return await list(context: context, error: error, form: FormArguments.refill(Self.createFields, from: context.form))
        }
        let name = JSONText.text(outcome.object["name"])
        return Pages.redirect("/tenants?created=\(PathSegment.encode(name))")
    }
}
