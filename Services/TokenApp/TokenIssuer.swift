import Crypto
import Foundation
import LoginCodes
import Metrics
import PasswordlessCore
import Tokens

/// Turns a verified login into Auth0's token response: an id_token when the scope asks for
/// `openid`, and an access token (a JWT for a registered API, otherwise opaque), remembered
/// for `/userinfo`.
///
/// Only what was registered is signed: the audience is an API the tenant created (the caller
/// resolved it), and the scope keeps only OIDC scopes and the scopes that API defines.
struct TokenIssuer {
    let signer: TokenSigner
    let accessTokens: AccessTokenStore
    let secrets: SecretBox

    static let idTokenLifetime = 36_000
    static let accessTokenLifetime = 86_400

    /// What the scope and audience ask for.
    private struct Plan {
        var scopes: [String]
        var scope: String
        var api: ResourceServer?
        /// The `/userinfo` claims but `sub` (which needs the user id).
        var claims: [String: String]
    }

    struct Issued {
        var idToken: String?
        var accessToken: String
        var scope: String
        var expiresIn: Int
    }

    private func plan(connection: Connection, recipient: Recipient, scope requested: String?, api: ResourceServer?) -> Plan {
        let scopes = ResourceServer.grantedScopes(requested ?? "openid", api: api)
        var claims: [String: String] = [:]
        let isEmail = connection.strategy == .email
        if scopes.contains("email"), isEmail {
            claims["email"] = recipient.normalized
            claims["email_verified"] = "true"
        }
        if scopes.contains("phone"), !isEmail {
            claims["phone_number"] = recipient.normalized
            claims["phone_number_verified"] = "true"
        }
        if scopes.contains("profile") { claims["name"] = recipient.normalized }
        return Plan(scopes: scopes, scope: scopes.joined(separator: " "), api: api, claims: claims)
    }

    /// `nonce` goes into the id_token as the link asked; `hashAccessToken` adds `at_hash`, for
    /// an id_token that travels with its access token in a redirect's fragment.
    func issue(
        tenant: Tenant, client: Client, connection: Connection, userID: String, recipient: Recipient, scope: String?, api: ResourceServer?,
        nonce: String? = nil, hashAccessToken: Bool = false
    )
        async throws -> Issued
    {
        let plan = self.plan(connection: connection, recipient: recipient, scope: scope, api: api)
        let lifetime = api?.tokenLifetime ?? Self.accessTokenLifetime
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))  // NumericDate in whole seconds
        let subject = "\(connection.name)|\(userID)"
        let claims = plan.claims
        let record = claims.merging(["sub": subject]) { $1 }

        let accessToken: String
        if let api = plan.api {
            var audiences = [api.identifier]
            if plan.scopes.contains("openid") { audiences.append("https://\(tenant.domain)/userinfo") }
            accessToken = try await signer.sign(
                AccessTokenClaims(
                    issuer: tenant.issuer, subject: subject, audiences: audiences, issuedAt: now,
                    expiresAt: now.addingTimeInterval(Double(lifetime)), scope: plan.scope, clientID: client.clientID),
                algorithm: .rs256, tenant: tenant.id)
        } else {
            accessToken = CredentialHasher.generate(bytes: 32)  // opaque
        }
        let idToken = try await signIDToken(
            plan, tenant: tenant, client: client, subject: subject, now: now, nonce: nonce,
            atHash: hashAccessToken ? Self.atHash(accessToken) : nil)
        try await accessTokens.remember(accessToken, claims: record, tenantID: tenant.id, lifetimeSeconds: lifetime)
        return Issued(idToken: idToken, accessToken: accessToken, scope: plan.scope, expiresIn: lifetime)
    }

    /// The id_token, when the scope asks for `openid`.
    private func signIDToken(
        _ plan: Plan, tenant: Tenant, client: Client, subject: String, now: Date, nonce: String?, atHash: String?
    ) async throws -> String? {
        let claims = plan.claims
        var idToken: String?
        if plan.scopes.contains("openid") {
            let signingStarted = ContinuousClock.now
            defer { Self.signingDuration[client.signingAlgorithm]?.recordInterval(since: signingStarted) }
            let payload = IDTokenClaims(
                issuer: tenant.issuer, subject: subject, audience: client.clientID, issuedAt: now,
                expiresAt: now.addingTimeInterval(Double(Self.idTokenLifetime)), email: claims["email"],
                emailVerified: claims["email"] == nil ? nil : true, phoneNumber: claims["phone_number"],
                phoneNumberVerified: claims["phone_number"] == nil ? nil : true, name: claims["name"], nonce: nonce, atHash: atHash)
            switch client.signingAlgorithm {
            case .rs256, .es256:
                idToken = try await signer.sign(payload, algorithm: client.signingAlgorithm, tenant: tenant.id)
            case .hs256:
                guard let sealed = client.sealedSecret else { throw TokenSignerError.noSigningKey("HS256") }
                let secret = try secrets.openString(sealed, context: client.sealingContext)
                idToken = try await signer.signHS256(payload, clientID: client.clientID, secret: secret)
            }
        }

        return idToken
    }

    /// base64url of the left half of the token's SHA-256: every algorithm we sign with hashes with SHA-256.
    static func atHash(_ accessToken: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Data(accessToken.utf8))).prefix(16))
    }

    /// `passwordless_token_signing_duration_seconds{alg}`, made once per algorithm.
    static let signingDuration: [Client.SigningAlgorithm: Timer] = Dictionary(
        uniqueKeysWithValues: Client.SigningAlgorithm.allCases.map {
            ($0, Timer(label: "passwordless_token_signing_duration_seconds", dimensions: [("alg", $0.rawValue)]))
        })
}
