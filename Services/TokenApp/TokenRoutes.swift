import Events
import HTTPService
import Hummingbird
import JobQueue
import LoginCodes
import PasswordlessCore
import PasswordlessStorage
import ServiceLifecycle
import TenantDirectory
import Tokens

/// The token routes — the code exchange, the sign-in link's pages, JWKS, discovery and
/// userinfo — added to a router, with the background writer of logins they need.
///
/// The token service serves them, and so does the gateway, in-process: a client needs one
/// base URL, and answering there costs no second HTTP hop. Both build them here, so they answer
/// alike.
public enum TokenRoutes {
    /// Adds the routes to `router` and returns the workers they need running.
    public static func add(
        to router: Router<PasswordlessRequestContext>, setup: ServiceSetup, directory: Directory
    ) -> [any Service] {
        let (configuration, dependencies, logger) = (setup.configuration, setup.dependencies, setup.logger)
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
                postgres: dependencies.postgres, redis: dependencies.redis, masterKey: configuration.masterKey, logger: logger),
            events: VerificationEvents(
                emitter: HookEmitter(
                    directory: directory, redis: dependencies.redis, layout: QueueLayout(partitions: configuration.queuePartitions),
                    logger: logger),
                masterKey: configuration.masterKey))
        tokens.addRoutes(to: router)
        LinkController(tokens: tokens).addRoutes(to: router)
        DiscoveryController(directory: directory, signer: signer, accessTokens: accessTokens).addRoutes(to: router)
        return [recorder]
    }
}
