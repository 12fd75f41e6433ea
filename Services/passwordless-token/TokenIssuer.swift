import Foundation
import Metrics
import ServiceRuntime
import PasswordlessCore
import PasswordlessFlow
import Tokens

/// Turns a verified login into Auth0's token response: an id_token when the scope asks for
/// `openid`, and an access token (a JWT for an `audience`, otherwise opaque), both remembered
/// for `/userinfo`.
struct TokenIssuer {
    let signer: TokenSigner
    let accessTokens: AccessTokenStore
    let secrets: SecretBox

    static let idTokenLifetime = 36_000
    static let accessTokenLifetime = 86_400

    struct Issued {
        var idToken: String?
        var accessToken: String
        var scope: String
    }

    func issue(tenant: Tenant, client: Client, connection: Connection, userID: String, recipient: String, scope requested: String?, audience: String?)
        async throws -> Issued
    {
        let scopes = (requested ?? "openid").split(separator: " ").map(String.init)
        let scope = scopes.joined(separator: " ")
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))  // NumericDate in whole seconds
        let subject = "\(connection.name)|\(userID)"
        var claims: [String: String] = ["sub": subject]
        let isEmail = connection.strategy == .email
        if scopes.contains("email"), isEmail {
            claims["email"] = recipient
            claims["email_verified"] = "true"
        }
        if scopes.contains("phone"), !isEmail {
            claims["phone_number"] = recipient
            claims["phone_number_verified"] = "true"
        }
        if scopes.contains("profile") { claims["name"] = recipient }

        var idToken: String?
        if scopes.contains("openid") {
            let signingStarted = ContinuousClock.now
            defer {
                Timer(label: "passwordless_token_signing_duration_seconds", dimensions: [("alg", client.signingAlgorithm.rawValue)])
                    .recordInterval(since: signingStarted)
            }
            let payload = IDTokenClaims(
                issuer: tenant.issuer, subject: subject, audience: client.clientID, issuedAt: now,
                expiresAt: now.addingTimeInterval(Double(Self.idTokenLifetime)), email: claims["email"],
                emailVerified: claims["email"] == nil ? nil : true, phoneNumber: claims["phone_number"],
                phoneNumberVerified: claims["phone_number"] == nil ? nil : true, name: claims["name"])
            switch client.signingAlgorithm {
            case .rs256:
                idToken = try await signer.signRS256(payload, tenant: tenant.id)
            case .hs256:
                guard let sealed = client.sealedSecret else { throw TokenSignerError.noSigningKey }
                let secret = try secrets.openString(sealed, context: client.sealingContext)
                idToken = try await signer.signHS256(payload, clientID: client.clientID, secret: secret)
            }
        }

        let accessToken: String
        if let audience, !audience.isEmpty {
            var audiences = [audience]
            if scopes.contains("openid") { audiences.append("https://\(tenant.domain)/userinfo") }
            accessToken = try await signer.signRS256(
                AccessTokenClaims(
                    issuer: tenant.issuer, subject: subject, audiences: audiences, issuedAt: now,
                    expiresAt: now.addingTimeInterval(Double(Self.accessTokenLifetime)), scope: scope, clientID: client.clientID),
                tenant: tenant.id)
        } else {
            accessToken = CredentialHasher.generate(bytes: 32)
        }
        try await accessTokens.remember(accessToken, claims: claims, tenantID: tenant.id, lifetimeSeconds: Self.accessTokenLifetime)
        return Issued(idToken: idToken, accessToken: accessToken, scope: scope)
    }
}
