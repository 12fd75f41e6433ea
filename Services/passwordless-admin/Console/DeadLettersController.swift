import Hummingbird

/// Dead letters: `/dead` (every tenant) and `/tenants/<name>/dead` (one tenant) list them
/// (`dead list`, never a code), `/dead/jobs/<job id>` shows one, and they are requeued (`dead requeue`)
/// or purged after a confirmation step (`dead purge`, per tenant or all).
struct DeadLettersController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/dead") { request, context in
            await list(tenant: nil, context: context, notice: request.uri.queryParameters.get("done").flatMap { Self.notices[String($0)] })
        }
        router.get("/tenants/:tenant/dead") { request, context in
            await list(
                tenant: TenantPage.tenant(context), context: context,
                notice: request.uri.queryParameters.get("done").flatMap { Self.notices[String($0)] })
        }
        router.get("/dead/jobs/:id") { request, context in
            await inspect(id(context), tenant: request.uri.queryParameters.get("tenant"), context: context)
        }
        router.post("/dead/jobs/:id/requeue") { _, context in
            let outcome = await commands.change(["dead", "requeue", "--", id(context)], json: false, context: context)
            let back = context.form.text("tenant")
            if let error = outcome.error { return await list(tenant: back, context: context, error: error) }
            return Pages.redirect(listPath(back) + "?done=requeued")
        }
        router.get("/dead/purge") { request, context in
            let tenant = request.uri.queryParameters.get("tenant")
            var page = PageView(title: "Purge dead letters")
            page.tenant = tenant
            page.confirm = .init(
                message: tenant.map { "Delete every dead letter of \($0)? They cannot be requeued afterwards." }
                    ?? "Delete every dead letter of every tenant? They cannot be requeued afterwards.",
                action: "/dead/purge" + (tenant.map { "?tenant=\(PathSegment.encode($0))" } ?? ""), button: "Purge dead letters",
                cancel: listPath(tenant))
            return pages.render("page", page, context: context)
        }
        router.post("/dead/purge") { request, context in
            let tenant = request.uri.queryParameters.get("tenant")
            let outcome = await commands.change(
                ["dead", "purge", "--yes"] + (tenant.map { ["--tenant", $0] } ?? []), json: false, context: context)
            if let error = outcome.error { return await list(tenant: tenant, context: context, error: error) }
            return Pages.redirect(listPath(tenant) + "?done=purged")
        }
    }

    static let notices = ["requeued": "Requeued.", "purged": "Purged."]

    private func id(_ context: ConsoleContext) -> String { PathSegment.decode(context.parameters.get("id")) }
    private func listPath(_ tenant: String?) -> String { tenant.map { "/tenants/\(PathSegment.encode($0))/dead" } ?? "/dead" }

    func read(tenant: String?) async -> CommandRunner.Outcome {
        await commands.read(["dead", "list"] + (tenant.map { ["--tenant", $0] } ?? []))
    }

    func list(tenant: String?, context: ConsoleContext, notice: String? = nil, error: String? = nil) async -> Response {
        let outcome = await read(tenant: tenant)
        var page = PageView(title: tenant.map { "Dead letters of \($0)" } ?? "Dead letters")
        page.tenant = tenant
        page.error = error ?? outcome.error
        page.notice = notice
        let query = tenant.map { "?tenant=\(PathSegment.encode($0))" } ?? ""
        let builder = TableBuilder(
            columns: [
                .init("Job", "job_id", link: { "/dead/jobs/\(PathSegment.encode(JSONText.text($0["job_id"])))\(query)" }),
                .init("Tenant", "tenant"), .init("Reason", "reason"), .init("Attempts", "attempts"), .init("Died", "died_at"),
                .init("Last error", "last_error"),
            ],
            actions: { letter in
                [.init(label: "Requeue", href: "/dead/jobs/\(PathSegment.encode(JSONText.text(letter["job_id"])))/requeue", post: true)]
            })
        var table = builder.table(outcome.objects, empty: "No dead letters.")
        table.actions = [
            .init(
                label: tenant == nil ? "Purge all dead letters…" : "Purge this tenant's dead letters…", href: "/dead/purge\(query)",
                danger: true)
        ]
        page.tables = [table]
        page.hidden = tenant.map { [PageView.KeyValue(key: "tenant", value: $0)] } ?? []
        return pages.render("page", page, context: context)
    }

    func inspect(_ id: String, tenant: String?, context: ConsoleContext) async -> Response {
        let outcome = await read(tenant: tenant)
        var page = PageView(title: "Dead letter \(id)")
        page.tenant = tenant
        page.error = outcome.error
        if let letter = outcome.objects.first(where: { JSONText.text($0["job_id"]) == id }) {
            page.result = letter.keys.sorted().map { .init(key: $0, value: JSONText.text(letter[$0])) }
            var table = PageView.Table(listed: false, columns: [], rows: [], empty: "")
            table.actions = [.init(label: "Requeue", href: "/dead/jobs/\(PathSegment.encode(id))/requeue", post: true)]
            page.tables = [table]
        } else if outcome.error == nil {
            page.error = "No dead letter for job \(id) (requeued or purged already?)."
        }
        page.hidden = tenant.map { [PageView.KeyValue(key: "tenant", value: $0)] } ?? []
        page.back = .init(href: listPath(tenant), label: "All dead letters")
        return pages.render("page", page, context: context)
    }
}
