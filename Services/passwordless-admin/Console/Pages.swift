import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The console's HTML: Mustache templates embedded in the binary (``Templates/``), one layout
/// that every page inherits, and the stylesheet. Every value is escaped by Mustache; no template
/// renders data unescaped.
struct Pages: Sendable {
    let library: MustacheLibrary

    /// The templates, by name, as the build embedded them.
    static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache, "page": PackageResources.page_mustache,
        "queue": PackageResources.queue_mustache, "signin": PackageResources.signin_mustache,
    ]
    static let stylesheet: [UInt8] = PackageResources.console_css

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// `page` rendered with `template`, with the operator, CSRF token and nonce of `context`.
    func render(_ template: String, _ page: PageView, context: ConsoleContext, status: HTTPResponse.Status = .ok) -> Response {
        var page = page
        page.operatorEmail = context.session?.email
        page.csrf = context.session?.csrf
        page.nonce = context.nonce
        let html = library.render(page, withTemplate: template) ?? "template \(template) is missing"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that only says something (errors, refusals).
    func message(status: HTTPResponse.Status, title: String, text: String, context: ConsoleContext) -> Response {
        var page = PageView(title: title)
        page.error = text
        return render("page", page, context: context, status: status)
    }

    /// 303 to `path`: every successful POST ends in one, so a reload does not post again.
    static func redirect(_ path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }

    /// `GET /static/console.css`.
    static func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/static/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: stylesheet)))
        }
    }
}
