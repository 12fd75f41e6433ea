import HTTPService
import ServiceSettings
import TenantDirectory

/// The token service: the shared stores and probes and the token routes (``TokenRoutes``), for
/// deployments whose ingress sends `/oauth/*` and the link pages to processes of their own.
public enum TokenService: PasswordlessService {
    public static let kind = ServiceKind.token

    public static func routes(_ setup: ServiceSetup) -> ServiceApplication.Routes {
        let directory = Directory(postgres: setup.dependencies.postgres, logger: setup.logger)
        let router = setup.router(cors: CORSMiddleware(isKnownOrigin: directory.isKnownWebOrigin))
        return (router, TokenRoutes.add(to: router, setup: setup, directory: directory))
    }
}
