import Hummingbird

/// `/tenants/<name>/clients`: a tenant's applications: list, create, edit, rotate the secret
/// (shown once) and delete (after a confirmation step), through `client …`.
struct ClientsController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/clients") { request, context in
            await list(
                TenantPage.tenant(context), context: context, notice: request.uri.queryParameters.get("saved").flatMap(Self.savedNotice))
        }
        router.post("/tenants/:tenant/clients") { _, context in await create(TenantPage.tenant(context), context: context) }
        router.get("/tenants/:tenant/clients/:id") { _, context in await edit(TenantPage.tenant(context), id(context), context: context) }
        router.post("/tenants/:tenant/clients/:id") { _, context in await update(TenantPage.tenant(context), id(context), context: context)
        }
        router.post("/tenants/:tenant/clients/:id/rotate-secret") { _, context in
            await rotate(TenantPage.tenant(context), id(context), context: context)
        }
        router.get("/tenants/:tenant/clients/:id/delete") { _, context in
            var page = PageView(title: "Delete client")
            page.tenant = TenantPage.tenant(context)
            page.confirm = .init(
                message: "Delete the client \(id(context))? Its applications stop getting tokens at once.",
                action: base(context) + "/delete",
                button: "Delete client", cancel: "/tenants/\(PathSegment.encode(TenantPage.tenant(context)))/clients")
            return pages.render("page", page, context: context)
        }
        router.post("/tenants/:tenant/clients/:id/delete") { _, context in
            if let error = await foreign(TenantPage.tenant(context), id(context)) {
                return await list(TenantPage.tenant(context), context: context, error: error)
            }
            let outcome = await commands.change(["client", "delete", "--", id(context)], json: false, context: context)
            return await list(
                TenantPage.tenant(context), context: context, notice: outcome.error == nil ? "Deleted \(id(context))." : nil,
                error: outcome.error)
        }
    }

    private func id(_ context: ConsoleContext) -> String { PathSegment.decode(context.parameters.get("id")) }
    private func base(_ context: ConsoleContext) -> String {
        "/tenants/\(PathSegment.encode(TenantPage.tenant(context)))/clients/\(PathSegment.encode(id(context)))"
    }

    /// The fields of `client create` and `client update`, showing `client` (`client show --json`).
    static func fields(_ client: [String: Any] = [:], creating: Bool) -> [PageView.Field] {
        func value(_ key: String) -> String { JSONText.field(client[key]) }
        return [
            .init("name", "Name", value: value("name")),
            .init("type", "Type", value: value("type"), kind: .select, options: (creating ? [] : [""]) + ["public", "confidential"]),
            .init(
                "jwt-alg", "id_token signing", value: value("jwt_alg"), kind: .select,
                options: (creating ? [] : [""]) + ["RS256", "ES256", "HS256"]),
            .init("callbacks", "Callback URLs", value: value("callbacks"), help: "Comma-separated, matched exactly."),
            .init("web-origins", "Web origins", value: value("web_origins"), help: "Comma-separated origins allowed to call the API."),
            .init("grant-types", "Grant types", value: value("grant_types"), help: "otp, authorization_code, implicit, password"),
        ]
    }

    func list(
        _ tenant: String, context: ConsoleContext, notice: String? = nil, error: String? = nil, form: [PageView.Field]? = nil
    )
        async -> Response
    {
        let outcome = await commands.read(["client", "list", "--tenant", tenant])
        let base = "/tenants/\(PathSegment.encode(tenant))/clients"
        var page = PageView(title: "Clients of \(tenant)")
        page.tenant = tenant
        page.error = error ?? outcome.error
        page.notice = notice
        let builder = TableBuilder(
            columns: [
                .init("Client id", "client_id", link: { "\(base)/\(PathSegment.encode(JSONText.text($0["client_id"])))" }),
                .init("Name", "name"), .init("Type", "type"), .init("Signing", "jwt_alg"), .init("Grants", "grant_types"),
            ],
            actions: { client in
                let path = "\(base)/\(PathSegment.encode(JSONText.text(client["client_id"])))"
                var actions = [PageView.Action(label: "Edit", href: path)]
                if JSONText.text(client["type"]) == "confidential" {
                    actions.append(.init(label: "Rotate secret", href: path + "/rotate-secret", post: true))
                }
                actions.append(.init(label: "Delete", href: path + "/delete", danger: true))
                return actions
            })
        page.tables = [builder.table(outcome.objects, empty: "No clients yet.")]
        page.forms = [
            .init(
                title: "New client", action: base, submit: "Create client", fields: form ?? Self.fields(creating: true), id: "create-client"
            )
        ]
        return pages.render("page", page, context: context)
    }

    func create(_ tenant: String, context: ConsoleContext) async -> Response {
        let fields = Self.fields(creating: true)
        let arguments = FormArguments.arguments(context.form, fields: fields.map { PageView.Field($0.name, $0.label) })
        let outcome = await commands.change(["client", "create", "--tenant", tenant] + arguments, context: context)
        if let error = outcome.error {
            return await list(tenant, context: context, error: error, form: FormArguments.refill(fields, from: context.form))
        }
        return created(outcome.object, tenant: tenant, title: "Client created", context: context)
    }

    /// Why the client `id` cannot be changed under `tenant`'s pages (it is another tenant's, or
    /// there is none); nil when it is the tenant's. (`client …` commands name a client by its id
    /// alone.)
    func foreign(_ tenant: String, _ id: String) async -> String? {
        let shown = await commands.read(["client", "show", "--", id])
        if let error = shown.error { return error }
        return JSONText.text(shown.object["tenant"]) == tenant ? nil : "tenant \(tenant) has no client \(id)"
    }

    func edit(_ tenant: String, _ id: String, context: ConsoleContext, error: String? = nil, form: FormBody? = nil) async -> Response {
        let outcome = await commands.read(["client", "show", "--", id])
        var page = PageView(title: "Client \(id)")
        page.tenant = tenant
        let mismatch = outcome.error == nil && JSONText.text(outcome.object["tenant"]) != tenant
        if mismatch { return await list(tenant, context: context, error: "tenant \(tenant) has no client \(id)") }
        page.error = error ?? outcome.error
        let fields = Self.fields(outcome.object, creating: false)
        page.forms = [
            .init(
                title: "Edit", action: base(context), submit: "Save", fields: form.map { FormArguments.refill(fields, from: $0) } ?? fields,
                id: "edit-client")
        ]
        return pages.render("page", page, context: context)
    }

    func update(_ tenant: String, _ id: String, context: ConsoleContext) async -> Response {
        let current = await commands.read(["client", "show", "--", id])
        if let error = current.error { return await edit(tenant, id, context: context, error: error) }
        if JSONText.text(current.object["tenant"]) != tenant {
            return await list(tenant, context: context, error: "tenant \(tenant) has no client \(id)")
        }
        let arguments = FormArguments.arguments(context.form, fields: Self.fields(current.object, creating: false))
        let outcome = await commands.change(["client", "update"] + arguments + ["--", id], context: context)
        if let error = outcome.error { return await edit(tenant, id, context: context, error: error, form: context.form) }
        if outcome.object["client_secret"] != nil {
            return created(outcome.object, tenant: tenant, title: "Client updated", context: context)
        }
        return Pages.redirect("/tenants/\(PathSegment.encode(tenant))/clients?saved=\(PathSegment.encode(id))")
    }

    func rotate(_ tenant: String, _ id: String, context: ConsoleContext) async -> Response {
        if let error = await foreign(tenant, id) { return await list(tenant, context: context, error: error) }
        let outcome = await commands.change(["client", "rotate-secret", "--", id], context: context)
        if let error = outcome.error { return await list(tenant, context: context, error: error) }
        return created(outcome.object, tenant: tenant, title: "New secret", context: context)
    }

    /// "Saved <client_id>." for a client id (letters, digits, `-` and `_`), else nothing: a crafted
    /// link cannot put other words on the page.
    static func savedNotice(_ id: String) -> String? {
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return "Saved \(id)."
    }

    /// What `create`, `update` or `rotate-secret` printed; a secret is shown here once and never again.
    func created(_ object: [String: Any], tenant: String, title: String, context: ConsoleContext) -> Response {
        let page = TenantPage.result(
            object, title: title, tenant: tenant, back: TenantPage.path(tenant, "clients"), secretKey: "client_secret")
        return pages.render("page", page, context: context)
    }
}
