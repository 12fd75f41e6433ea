import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import PasswordlessCore
import TenantDirectory
import Tokens

/// `GET /.well-known/jwks.json`, `GET /.well-known/openid-configuration` and `GET /userinfo`,
/// for the tenant named by `Host` (or the only tenant).
struct DiscoveryController {
    let directory: Directory
    let signer: TokenSigner
    let accessTokens: AccessTokenStore

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.get("/.well-known/jwks.json") { request, _ in
            let tenant = try await tenant(of: request)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=60"],
                body: .init(byteBuffer: ByteBuffer(string: try await signer.jwks(tenant: tenant.id))))
        }
        router.get("/.well-known/openid-configuration") { request, _ in
            let tenant = try await tenant(of: request)
            return OpenIDConfiguration(tenant: tenant)
        }
        router.get("/userinfo") { request, _ in
            let header = request.headers[.authorization] ?? ""
            let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
            guard !token.isEmpty, let (tenantID, claims) = try await accessTokens.claims(for: token) else {
                throw APIError(status: 401, error: "invalid_token", description: "The access token is missing, invalid or expired.")
            }
            if let byHost = try await directory.resolveTenant(host: request.head.authority, client: nil), byHost.id != tenantID {
                throw APIError(status: 401, error: "invalid_token", description: "The access token is missing, invalid or expired.")
            }
            return UserInfo(claims: claims)
        }
    }

    func tenant(of request: Request) async throws -> Tenant {
        guard let tenant = try await directory.resolveTenant(host: request.head.authority, client: nil) else { throw APIError.notFound }
        return tenant
    }
}
