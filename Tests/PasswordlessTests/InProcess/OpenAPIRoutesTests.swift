import Foundation
import GatewayApp
import HTTPService
import Hummingbird
import Testing
import TokenApp

/// The OpenAPI document and the routers cannot drift apart: every route the gateway answers is
/// in the document, every operation in the document is a route, and the token service answers
/// nothing the gateway does not forward.
@Suite("OpenAPI document and routes")
struct OpenAPIRoutesTests {
    /// `METHOD /path/{parameter}` for every operation in the document.
    static func documented() throws -> Set<String> {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        return Set(paths.flatMap { path, operations in operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
    }

    /// `METHOD /path/{parameter}` for every route of a router (Hummingbird writes `:parameter`).
    static func routed(_ router: Router<PasswordlessRequestContext>) -> Set<String> {
        Set(
            router.routes.map { route in
                let path = "\(route.path)".split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                return "\(route.method) \(path)"
            })
    }

    static func routers() throws -> (gateway: Router<PasswordlessRequestContext>, token: Router<PasswordlessRequestContext>) {
        var configuration = try InProcessFixture.configurationWithoutDatabase()
        configuration.metricsPort = 9080  // as deployed: /metrics is not on the public port
        let setup = ServiceSetup(
            configuration: configuration, dependencies: try ServiceDependencies(configuration: configuration, logger: RouterTest.logger),
            registry: RouterTest.registry(), logger: RouterTest.logger)
        let gateway = Gateway.routes(setup)
        let token = TokenService.routes(setup)
        return (gateway.router, token.router)
    }

    @Test func everyGatewayRouteIsDocumentedAndEveryOperationIsARoute() throws {
        let documented = try Self.documented()
        let routed = Self.routed(try Self.routers().gateway)
        #expect(routed.subtracting(documented).sorted() == [], "routes missing from openapi.json")
        #expect(documented.subtracting(routed).sorted() == [], "operations in openapi.json that no route answers")
        #expect(routed.contains("POST /passwordless/start"))
    }

    @Test func theTokenServiceAnswersOnlyWhatTheGatewayAnswers() throws {
        let (gateway, token) = try Self.routers()
        let tokenRoutes = Self.routed(token)
        #expect(tokenRoutes.subtracting(Self.routed(gateway)).sorted() == [])
        #expect(tokenRoutes.contains("POST /oauth/token"))
    }
}
