import HTTPService
import Hummingbird
import Logging
import LoginCodes
import PasswordlessCore
import PasswordlessStorage
import Prometheus
import ServiceLifecycle
import ServiceSettings
import TenantDirectory
import Tokens

/// The token service: the shared stores and probes, the code exchange, the sign-in link's
/// pages, JWKS, discovery and userinfo, and the background writer of logins.
public enum TokenService: PasswordlessService {
    public static let kind = ServiceKind.token

    public static func routes(_ setup: ServiceSetup) -> ServiceApplication.Routes {
        let (configuration, dependencies, logger) = (setup.configuration, setup.dependencies, setup.logger)
        let directory = Directory(postgres: dependencies.postgres, logger: logger)
        let router = setup.router(cors: CORSMiddleware(isKnownOrigin: directory.isKnownWebOrigin))
        let secrets = SecretBox(
            masterKey: configuration.masterKey, purpose: .secretsAtRest, previousMasterKeys: configuration.previousMasterKeys)
        let keys = SigningKeyRepository(client: dependencies.postgres, logger: logger)
        let signer = TokenSigner { tenantID in
            let published = try await keys.published(tenantID: tenantID)  // newest first
            var current: [Client.SigningAlgorithm: TokenSigner.CurrentKey] = [:]
            for key in published where key.retiredAt == nil {
                guard let algorithm = Client.SigningAlgorithm(rawValue: key.algorithm), current[algorithm] == nil else { continue }
                let pem = try secrets.openString(key.sealedPrivateKey, context: StoredSigningKey.sealingContext(kid: key.kid))
                current[algorithm] = TokenSigner.CurrentKey(kid: key.kid, privateKeyPEM: pem)
            }
            return TokenSigner.TenantKeys(current: current, publicJWKs: published.map(\.publicJWK))
        }
        let accessTokens = AccessTokenStore(redis: dependencies.redis)
        let recorder = LoginRecorder(postgres: dependencies.postgres, logger: logger)
        let issuer = TokenIssuer(signer: signer, accessTokens: accessTokens, secrets: secrets)

        let authenticator = ClientAuthenticator(directory: directory, hasher: CredentialHasher(masterKey: configuration.masterKey))
        let tokens = TokenController(
            directory: directory, codes: CodeStore(redis: dependencies.redis, masterKey: configuration.masterKey), issuer: issuer,
            authenticator: authenticator, recorder: recorder, authorizationCodes: AuthorizationCodeStore(redis: dependencies.redis),
            users: UserDirectory(
                postgres: dependencies.postgres, redis: dependencies.redis, masterKey: configuration.masterKey, logger: logger))
        tokens.addRoutes(to: router)
        LinkController(tokens: tokens).addRoutes(to: router)
        DiscoveryController(directory: directory, signer: signer, accessTokens: accessTokens).addRoutes(to: router)
        return (router, [recorder])
    }
}
