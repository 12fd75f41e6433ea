import Hummingbird

/// `/tenants/<name>/users`: search by email or phone (`user list --query`), block and unblock,
/// and delete after a confirmation step (`user block|unblock|delete`).
struct UsersController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/users") { request, context in
            await list(TenantPage.tenant(context), query: FormBody(request.uri.query ?? "").text("q") ?? "", context: context)
        }
        for action in ["block", "unblock"] {
            router.post("/tenants/:tenant/users/:id/\(action)") { _, context in
                let (tenant, id) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("id")))
                let outcome = await commands.change(["user", action, "--tenant", tenant, "--", id], context: context)
                let notice = outcome.error == nil ? "\(action == "block" ? "Blocked" : "Unblocked") \(id)." : nil
                return await list(tenant, query: context.form.text("q") ?? "", context: context, notice: notice, error: outcome.error)
            }
        }
        router.get("/tenants/:tenant/users/:id/delete") { _, context in
            let (tenant, id) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("id")))
            let page = TenantPage.confirm(
                "Delete the user \(id)? Their sign-ins and identity are gone.",
                action: TenantPage.path(tenant, "users/\(PathSegment.encode(id))/delete"), button: "Delete user",
                cancel: TenantPage.path(tenant, "users"), tenant: tenant, title: "Delete user")
            return pages.render("page", page, context: context)
        }
        router.post("/tenants/:tenant/users/:id/delete") { _, context in
            let (tenant, id) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("id")))
            let outcome = await commands.change(["user", "delete", "--tenant", tenant, "--", id], json: false, context: context)
            return await list(
                tenant, query: "", context: context, notice: outcome.error == nil ? "Deleted \(id)." : nil, error: outcome.error)
        }
    }

    func list(_ tenant: String, query: String, context: ConsoleContext, notice: String? = nil, error: String? = nil) async -> Response {
        var page = PageView(title: "Users of \(tenant)")
        page.tenant = tenant
        page.notice = notice
        page.search = .init(action: TenantPage.path(tenant, "users"), label: "Email or phone number", query: query)
        let outcome = await commands.read(["user", "list", "--tenant", tenant] + (query.isEmpty ? [] : ["--query=\(query)"]))
        page.error = error ?? outcome.error
        let builder = TableBuilder(
            columns: [
                .init("User id", "user_id"), .init("Email", "email"), .init("Phone", "phone_number"), .init("Blocked", "blocked"),
            ],
            actions: { user in
                let path = TenantPage.path(tenant, "users/\(PathSegment.encode(JSONText.text(user["user_id"])))")
                let blocked = JSONText.field(user["blocked"]) == "true"
                return [
                    .init(label: blocked ? "Unblock" : "Block", href: path + (blocked ? "/unblock" : "/block"), post: true),
                    .init(label: "Delete", href: path + "/delete", danger: true),
                ]
            })
        page.tables = [builder.table(outcome.objects, empty: "No users found.")]
        page.hidden = query.isEmpty ? [] : [.init(key: "q", value: query)]
        return pages.render("page", page, context: context)
    }
}
