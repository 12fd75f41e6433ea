import Hummingbird

/// `/tenants/<name>/deliveries`: the tenant's recent deliveries (`deliveries list`), newest first.
struct DeliveriesController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/deliveries") { _, context in
            let tenant = TenantPage.tenant(context)
            let outcome = await commands.read(["deliveries", "list", "--tenant", tenant])
            var page = PageView(title: "Recent deliveries of \(tenant)")
            page.tenant = tenant
            page.error = outcome.error
            let builder = TableBuilder(columns: [
                .init("Time", "time"), .init("Job", "job_id"), .init("Connection", "connection"), .init("Recipient", "recipient"),
                .init("Provider", "provider"), .init("Outcome", "outcome"), .init("Attempts", "attempts"),
            ])
            page.tables = [builder.table(outcome.objects, empty: "No deliveries recorded yet.")]
            return pages.render("page", page, context: context)
        }
    }
}
