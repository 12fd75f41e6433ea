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

/// Wires the token service: the shared stores and probes, the code exchange, JWKS, discovery
/// and userinfo, and the background writer of logins.
public func buildApplication(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
    let (router, workers) = buildRouter(configuration: configuration, dependencies: dependencies, registry: registry, logger: logger)
    return ServiceApplication.make(
        .token, configuration: configuration, dependencies: dependencies, router: router, registry: registry, workers: workers,
        logger: logger)
}

/// The token service's router with every route, and the workers its routes need running (in start
/// order). Nothing runs until the application's service group does, so a test may build this only to
/// read `router.routes`.
public func buildRouter(
    configuration: ServiceConfiguration, dependencies: ServiceDependencies, registry: PrometheusCollectorRegistry, logger: Logger
) -> (router: Router<PasswordlessRequestContext>, workers: [any Service]) {
    let directory = Directory(postgres: dependencies.postgres, logger: logger)
    let router = ServiceRouter.make(
        readiness: dependencies.readinessChecks, registry: registry, metricsOnMainPort: configuration.metricsPort == nil,
        dependencyTimeout: configuration.dependencyTimeout, cors: CORSMiddleware(isKnownOrigin: directory.isKnownWebOrigin))
    let secrets = SecretBox(masterKey: configuration.masterKey, purpose: .secretsAtRest, previousMasterKeys: configuration.previousMasterKeys)
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

    TokenController(
        directory: directory, codes: CodeStore(redis: dependencies.redis, masterKey: configuration.masterKey), issuer: issuer,
        hasher: CredentialHasher(masterKey: configuration.masterKey), recorder: recorder
    ).addRoutes(to: router)
    DiscoveryController(directory: directory, signer: signer, accessTokens: accessTokens).addRoutes(to: router)
    return (router, [recorder])
}
