import Hummingbird

/// `/tenants/<name>/connections`: how a tenant's codes are sent: list, create, edit (limits,
/// default template, credentials), delete after a confirmation step, and "send a test message",
/// through `connection …`. Credentials are never shown; a blank credential field keeps the stored one.
struct ConnectionsController {
    let commands: ConsoleCommands
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/tenants/:tenant/connections") { _, context in await list(TenantPage.tenant(context), context: context) }
        router.post("/tenants/:tenant/connections") { _, context in await create(TenantPage.tenant(context), context: context) }
        router.get("/tenants/:tenant/connections/:name") { request, context in
            let notice = request.uri.queryParameters.get("notice").flatMap { Self.notices[String($0)] }
            return await edit(TenantPage.tenant(context), name(context), context: context, notice: notice)
        }
        router.post("/tenants/:tenant/connections/:name") { _, context in
            await update(TenantPage.tenant(context), name(context), context: context)
        }
        router.post("/tenants/:tenant/connections/:name/test") { _, context in
            await test(TenantPage.tenant(context), name(context), context: context)
        }
        router.get("/tenants/:tenant/connections/:name/delete") { _, context in
            var page = PageView(title: "Delete connection")
            page.tenant = TenantPage.tenant(context)
            page.confirm = .init(
                message:
                    "Delete the connection \(name(context)) of \(TenantPage.tenant(context))? Its users can no longer sign in through it.",
                action: base(context) + "/delete", button: "Delete connection", cancel: listPath(TenantPage.tenant(context)))
            return pages.render("page", page, context: context)
        }
        router.post("/tenants/:tenant/connections/:name/delete") { _, context in
            let outcome = await commands.change(
                ["connection", "delete", "--tenant", TenantPage.tenant(context), "--yes", "--", name(context)], json: false,
                context: context)
            return await list(
                TenantPage.tenant(context), context: context, notice: outcome.error == nil ? "Deleted \(name(context))." : nil,
                error: outcome.error)
        }
    }

    private func name(_ context: ConsoleContext) -> String { PathSegment.decode(context.parameters.get("name")) }
    private func listPath(_ tenant: String) -> String { "/tenants/\(PathSegment.encode(tenant))/connections" }
    private func base(_ context: ConsoleContext) -> String {
        listPath(TenantPage.tenant(context)) + "/\(PathSegment.encode(name(context)))"
    }

    /// The notices a redirect names (`?notice=…`).
    static let notices = ["created": "Connection created.", "saved": "Saved."]

    static let providers = ["twilio", "smtp", "webhook", "outbox", "sendgrid", "mailgun", "postmark", "ses"]

    /// The flags of `connection create` and `update` the forms offer, showing `connection`
    /// (`connection show --json`; credentials are never in it).
    static func fields(_ connection: [String: Any] = [:], creating: Bool) -> [PageView.Field] {
        func value(_ key: String) -> String { JSONText.field(connection[key]) }
        let signup = connection["disable_signup"].map { JSONText.field($0) == "true" ? "--disable-signup" : "--enable-signup" } ?? ""
        var fields: [PageView.Field] =
            creating
            ? [
                .init("name", "Name", help: "What clients send as connection (default: the strategy)."),
                .init("strategy", "Strategy", kind: .select, options: ["email", "sms"]),
                .init("provider", "Provider", kind: .select, options: providers),
            ] : [.init("provider", "Provider", value: value("provider"), kind: .select, options: providers)]
        let blankKeeps = creating ? nil : "Leave blank to keep the stored one."
        fields += [
            .init("from", "From", value: value("from"), help: "A phone number (Twilio) or an address (email)."),
            .init("smtp-url", "SMTP URL", value: value("smtp_url"), help: "smtp://host:port or smtps://host:port"),
            .init("smtp-user", "SMTP user", value: value("smtp_user")),
            .init("smtp-password", "SMTP password", help: blankKeeps, kind: .password),
            .init("twilio-account-sid", "Twilio account SID", value: value("twilio_account_sid")),
            .init("twilio-auth-token", "Twilio auth token", help: blankKeeps, kind: .password),
            .init("messaging-service-sid", "Twilio messaging service SID", value: value("messaging_service_sid")),
            .init("api-base-url", "Provider API base URL", value: value("api_base_url")),
            .init("webhook-url", "Webhook URL", value: value("webhook_url")),
            .init("webhook-secret", "Webhook secret", help: blankKeeps, kind: .password),
            .init("outbox-file", "Outbox file", value: value("outbox_file"), help: "Local development only."),
            .init("api-key", "API key (SendGrid, Mailgun)", help: blankKeeps, kind: .password),
            .init("domain", "Mailgun domain", value: value("mailgun_domain"), help: "The sending domain, e.g. mg.example.com."),
            .init(
                "region", "Mailgun region", value: value("mailgun_region"), kind: .select, options: ["", "us", "eu"],
                labels: ["": creating ? "(default: us)" : "(unchanged)"]),
            .init("server-token", "Postmark server token", help: blankKeeps, kind: .password),
            .init("aws-access-key-id", "Amazon SES access key id", value: value("aws_access_key_id")),
            .init("aws-secret-access-key", "Amazon SES secret access key", help: blankKeeps, kind: .password),
            .init("aws-region", "Amazon SES region", value: value("aws_region"), help: "e.g. eu-west-1."),
            .init(
                "channel", "Twilio channel", value: value("channel"), kind: .select, options: ["", "sms", "whatsapp", "voice"],
                labels: ["": creating ? "(default: sms)" : "(unchanged)"]),
            .init(
                "fallback-connection", "Fallback connection", value: value("fallback_connection"),
                help: "Another connection of the same strategy, tried when this one's provider fails (none: no fallback)."),
            .init("subject", "Email subject", value: value("subject"), help: creating ? nil : "Leave blank to keep it."),
            .init(
                "template", "Default template", value: value("template"),
                help: "@@password@@ is the code, @@link@@ the sign-in link." + (creating ? "" : " Blank keeps it."),
                kind: .textarea),
            .init("code-length", "Code length", value: value("code_length"), help: "4 to 10 digits."),
            .init("code-ttl", "Code lifetime (s)", value: value("code_ttl")),
            .init(
                "signup", "Sign-ups", value: signup, kind: .select,
                options: (creating ? [""] : []) + ["--enable-signup", "--disable-signup"],
                labels: ["": "(default: allowed)", "--enable-signup": "allowed", "--disable-signup": "existing users only"]),
            .init(
                "rate-per-recipient", "Rate per recipient", value: value("rate_per_recipient"),
                help: "COUNT/SECONDS, e.g. 5/600." + (creating ? "" : " Blank keeps it.")),
            .init("rate-per-ip", "Rate per IP", value: value("rate_per_ip"), help: "COUNT/SECONDS, e.g. 50/3600."),
            .init("rate-per-tenant", "Rate per tenant", value: value("rate_per_tenant"), help: "COUNT/SECONDS."),
            .init(
                "send-rate", "Send rate", value: value("send_rate"), help: "COUNT/SECONDS the dispatcher sends at most (none: no limit)."),
            .init("allowed-countries", "Allowed countries (SMS)", value: value("allowed_countries"), help: "Calling codes, e.g. 1,44."),
            .init("country-hourly-cap", "Codes per country per hour (SMS)", value: value("country_hourly_cap")),
            .init("lockout-failures", "Wrong codes before lockout", value: value("lockout_failures")),
            .init("lockout-window", "Lockout window (s)", value: value("lockout_window")),
            .init("lockout-duration", "Lockout duration (s)", value: value("lockout_duration")),
            .init("default-language", "Default language", value: value("default_language"), help: "A BCP 47 tag, e.g. fr, pt-BR."),
        ]
        return fields
    }

    func list(
        _ tenant: String, context: ConsoleContext, notice: String? = nil, error: String? = nil, form: [PageView.Field]? = nil
    )
        async -> Response
    {
        let outcome = await commands.read(["connection", "list", "--tenant", tenant])
        var page = PageView(title: "Connections of \(tenant)")
        page.tenant = tenant
        page.error = error ?? outcome.error
        page.notice = notice
        let base = listPath(tenant)
        let builder = TableBuilder(
            columns: [
                .init("Name", "name", link: { "\(base)/\(PathSegment.encode(JSONText.text($0["name"])))" }), .init("Strategy", "strategy"),
                .init("Provider", "provider"), .init("From", "from"), .init("Send rate", "send_rate"),
            ],
            actions: { connection in
                let path = "\(base)/\(PathSegment.encode(JSONText.text(connection["name"])))"
                return [.init(label: "Edit", href: path), .init(label: "Delete", href: path + "/delete", danger: true)]
            })
        page.tables = [builder.table(outcome.objects, empty: "No connections yet.")]
        page.forms = [
            .init(
                title: "New connection", action: base, submit: "Create connection", fields: form ?? Self.fields(creating: true),
                id: "create-connection")
        ]
        return pages.render("page", page, context: context)
    }

    func create(_ tenant: String, context: ConsoleContext) async -> Response {
        let fields = Self.fields(creating: true)
        let arguments = FormArguments.arguments(context.form, fields: fields.map { PageView.Field($0.name, $0.label) })
        let outcome = await commands.change(["connection", "create", "--tenant", tenant] + arguments, context: context)
        if let error = outcome.error {
            return await list(tenant, context: context, error: error, form: FormArguments.refill(fields, from: context.form))
        }
        let name = JSONText.text(outcome.object["name"])
        return Pages.redirect(listPath(tenant) + "/\(PathSegment.encode(name))?notice=created")
    }

    func edit(
        _ tenant: String, _ name: String, context: ConsoleContext, notice: String? = nil, error: String? = nil, form: FormBody? = nil,
        result: [PageView.KeyValue]? = nil
    ) async -> Response {
        let outcome = await commands.read(["connection", "show", "--tenant", tenant, "--", name])
        var page = PageView(title: "Connection \(name)")
        page.tenant = tenant
        page.error = error ?? outcome.error
        page.notice = notice
        page.result = result ?? outcome.object.keys.sorted().map { .init(key: $0, value: JSONText.text(outcome.object[$0])) }
        let fields = Self.fields(outcome.object, creating: false)
        let path = listPath(tenant) + "/\(PathSegment.encode(name))"
        page.forms = [
            .init(
                title: "Edit", action: path, submit: "Save", fields: form.map { FormArguments.refill(fields, from: $0) } ?? fields,
                id: "edit-connection"),
            .init(
                title: "Send a test message", action: path + "/test", submit: "Send test message",
                fields: [.init("to", "To", help: "A phone number (E.164) or an address; the code in it signs no one in.")],
                id: "test-connection"),
        ]
        page.back = .init(href: listPath(tenant), label: "All connections")
        return pages.render("page", page, context: context)
    }

    func update(_ tenant: String, _ name: String, context: ConsoleContext) async -> Response {
        let current = await commands.read(["connection", "show", "--tenant", tenant, "--", name])
        if let error = current.error { return await edit(tenant, name, context: context, error: error) }
        let arguments = FormArguments.arguments(context.form, fields: Self.fields(current.object, creating: false))
        guard !arguments.isEmpty else { return await edit(tenant, name, context: context, notice: "Nothing changed.") }
        let outcome = await commands.change(["connection", "update", "--tenant", tenant] + arguments + ["--", name], context: context)
        if let error = outcome.error { return await edit(tenant, name, context: context, error: error, form: context.form) }
        return Pages.redirect(listPath(tenant) + "/\(PathSegment.encode(name))?notice=saved")
    }

    func test(_ tenant: String, _ name: String, context: ConsoleContext) async -> Response {
        let to = context.form.text("to") ?? ""
        let outcome = await commands.change(["connection", "test", "--tenant", tenant, "--to=\(to)", "--", name], context: context)
        let notice = outcome.error == nil ? "Test message queued (job \(JSONText.text(outcome.object["job_id"])))." : nil
        return await edit(tenant, name, context: context, notice: notice, error: outcome.error)
    }
}
