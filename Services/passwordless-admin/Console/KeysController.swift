import Hummingbird

/// `/tenants/<name>/keys`: signing keys (`keys list`), rotation (`keys rotate`) and early
/// revocation after a confirmation step (`keys revoke`, which refuses the current key).
struct KeysController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/keys") { _, context in await list(TenantPage.tenant(context), context: context) }
        router.post("/tenants/:tenant/keys/rotate") { _, context in
            let tenant = TenantPage.tenant(context)
            let algorithm = context.form.text("algorithm") == "ES256" ? "ES256" : "RS256"
            let outcome = await commands.change(["keys", "rotate", "--tenant", tenant, "--algorithm", algorithm], context: context)
            let notice = outcome.error == nil ? "New \(algorithm) key \(JSONText.text(outcome.object["kid"])) is current." : nil
            return await list(tenant, context: context, notice: notice, error: outcome.error)
        }
        router.get("/tenants/:tenant/keys/:kid/revoke") { _, context in
            let (tenant, kid) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("kid")))
            let page = TenantPage.confirm(
                "Revoke the key \(kid)? It leaves the JWKS, and tokens it signed stop verifying within about 90 s.",
                action: TenantPage.path(tenant, "keys/\(PathSegment.encode(kid))/revoke"), button: "Revoke key",
                cancel: TenantPage.path(tenant, "keys"), tenant: tenant, title: "Revoke key")
            return pages.render("page", page, context: context)
        }
        router.post("/tenants/:tenant/keys/:kid/revoke") { _, context in
            let (tenant, kid) = (TenantPage.tenant(context), PathSegment.decode(context.parameters.get("kid")))
            let outcome = await commands.change(["keys", "revoke", "--tenant", tenant, "--", kid], json: false, context: context)
            return await list(tenant, context: context, notice: outcome.error == nil ? "Revoked \(kid)." : nil, error: outcome.error)
        }
    }

    func list(_ tenant: String, context: ConsoleContext, notice: String? = nil, error: String? = nil) async -> Response {
        let outcome = await commands.read(["keys", "list", "--tenant", tenant])
        var page = PageView(title: "Signing keys of \(tenant)")
        page.tenant = tenant
        page.error = error ?? outcome.error
        page.notice = notice
        let builder = TableBuilder(
            columns: [
                .init("Key id", "kid"), .init("Algorithm", "algorithm"), .init("State", "state"), .init("Created", "created_at"),
                .init("Retired", "retired_at"), .init("Revoked", "revoked_at"),
            ],
            actions: { key in
                guard JSONText.text(key["state"]) == "previous" else { return [] }
                return [
                    .init(
                        label: "Revoke", href: TenantPage.path(tenant, "keys/\(PathSegment.encode(JSONText.text(key["kid"])))/revoke"),
                        danger: true)
                ]
            })
        page.tables = [builder.table(outcome.objects, empty: "No keys.")]
        page.forms = [
            .init(
                title: "Rotate", action: TenantPage.path(tenant, "keys/rotate"), submit: "Rotate key",
                fields: [.init("algorithm", "Algorithm", value: "RS256", kind: .select, options: ["RS256", "ES256"])], id: "rotate-key")
        ]
        return pages.render("page", page, context: context)
    }
}
