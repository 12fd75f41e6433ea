import Foundation

/// A process setting: an environment variable, and the `--flag` that overrides it.
///
/// The single list of setting names: ``ServiceOptions`` declares one option per case, and
/// `deploy/check.py` reads the raw values to check that each one is documented.
public enum Setting: String, Sendable, CaseIterable {
    case databaseURL = "DATABASE_URL"
    case redisURL = "REDIS_URL"
    case masterKey = "PASSWORDLESS_MASTER_KEY"
    case host = "HOST"
    case port = "PORT"
    case metricsPort = "METRICS_PORT"
    case publicBaseURL = "PUBLIC_BASE_URL"
    case logLevel = "LOG_LEVEL"
    case logFormat = "LOG_FORMAT"
    case databasePoolSize = "DATABASE_POOL_SIZE"
    case redisPoolSize = "REDIS_POOL_SIZE"
    case redisTLSCAFile = "REDIS_TLS_CA_FILE"
    case redisTLSCertFile = "REDIS_TLS_CERT_FILE"
    case redisTLSKeyFile = "REDIS_TLS_KEY_FILE"
    case redisMode = "REDIS_MODE"
    case redisMinReplicas = "REDIS_MIN_REPLICAS"
    case redisWaitTimeout = "REDIS_WAIT_TIMEOUT"
    case previousMasterKeys = "PASSWORDLESS_PREVIOUS_MASTER_KEYS"
    case trustedProxies = "TRUSTED_PROXIES"
    case dispatcherConcurrency = "DISPATCHER_CONCURRENCY"
    case dispatcherMaxAttempts = "DISPATCHER_MAX_ATTEMPTS"
    case dispatcherRetryCap = "DISPATCHER_RETRY_CAP"
    case dispatcherHeartbeatTTL = "DISPATCHER_HEARTBEAT_TTL"
    case dispatcherShutdownGrace = "DISPATCHER_SHUTDOWN_GRACE"
    case dispatcherBreakerFailures = "DISPATCHER_BREAKER_FAILURES"
    case dispatcherBreakerErrorRate = "DISPATCHER_BREAKER_ERROR_RATE"
    case dispatcherBreakerWindow = "DISPATCHER_BREAKER_WINDOW"
    case dispatcherBreakerMinCalls = "DISPATCHER_BREAKER_MIN_CALLS"
    case dispatcherBreakerCooldown = "DISPATCHER_BREAKER_COOLDOWN"
    case queuePartitions = "QUEUE_PARTITIONS"
    case dependencyTimeout = "DEPENDENCY_TIMEOUT"
    case httpHeadTimeout = "HTTP_HEAD_TIMEOUT"
    case httpBodyTimeout = "HTTP_BODY_TIMEOUT"
    case httpIdleTimeout = "HTTP_IDLE_TIMEOUT"

    /// The environment variable's name.
    public var environmentName: String { rawValue }

    /// `DATABASE_URL` → `database-url`, the option's long name.
    public var longName: String { rawValue.lowercased().replacingOccurrences(of: "_", with: "-") }

    /// `DATABASE_URL` → `--database-url`.
    public var flag: String { "--" + longName }

    /// One line for `--help`.
    public var help: String {
        switch self {
        case .databaseURL: "postgres://user:pass@host:port/db[?sslmode=disable|prefer|require] (required)"
        case .redisURL: "redis[s]://[:password@]host:port[,host:port…][/db]: one server or a cluster's seed nodes (required)"
        case .masterKey: "32 random bytes, base64 (required; prefer the environment over the flag)"
        case .host: "address to listen on (default 0.0.0.0)"
        case .port: "HTTP port (gateway 8080, token 8081, dispatcher 8082)"
        case .metricsPort: "port of /metrics, off the public port (gateway 9080, token 9081; the dispatcher serves it on PORT)"
        case .publicBaseURL: "base of the sign-in links the gateway emails (default https://<tenant domain>)"
        case .logLevel: "trace, debug, info, notice, warning, error, critical (default info)"
        case .logFormat: "text or json (default text)"
        case .databasePoolSize: "most PostgreSQL connections (default 20)"
        case .redisPoolSize: "Redis connections to each node that share the requests (default 2)"
        case .redisTLSCAFile: "PEM file of the CA that signs Redis' certificate, for rediss:// (default: the system's roots)"
        case .redisTLSCertFile: "PEM client certificate for Redis servers that ask for one (with REDIS_TLS_KEY_FILE)"
        case .redisTLSKeyFile: "PEM private key of REDIS_TLS_CERT_FILE"
        case .redisMode: "auto, standalone or cluster (default auto: a server reporting cluster_enabled:1 is a cluster)"
        case .redisMinReplicas: "replicas that must have a start's writes (WAIT) before it answers 200, else 503 (default 0: off)"
        case .redisWaitTimeout: "seconds WAIT may wait for REDIS_MIN_REPLICAS (default 0.5)"
        case .previousMasterKeys: "earlier master keys, comma-separated base64, still accepted for opening sealed data"
        case .trustedProxies: "comma-separated CIDRs of proxies whose forwarded-for headers are believed (default none)"
        case .dispatcherConcurrency: "transfers one dispatcher keeps in flight, all on one libcurl thread (default 2048)"
        case .dispatcherMaxAttempts: "delivery attempts before a job is dead-lettered (default 10)"
        case .dispatcherRetryCap: "longest wait between two attempts, seconds (default 60)"
        case .dispatcherHeartbeatTTL: "seconds after a dispatcher's last heartbeat before its jobs are reaped (default 15)"
        case .dispatcherShutdownGrace: "seconds a stopping dispatcher waits for deliveries in flight (default 10)"
        case .dispatcherBreakerFailures: "transient failures in a row that open a provider's circuit breaker (default 5)"
        case .dispatcherBreakerErrorRate:
            "share of failed calls over DISPATCHER_BREAKER_WINDOW that opens the breaker, 0.01 to 1 (default 0.5)"
        case .dispatcherBreakerWindow: "seconds the breaker's error rate is measured over (default 30)"
        case .dispatcherBreakerMinCalls: "calls in the window before the error rate can open the breaker (default 10)"
        case .dispatcherBreakerCooldown:
            "seconds an open breaker sends jobs to the fallback before it probes the provider again (default 15)"
        case .queuePartitions: "partitions of the send queue, each with its own Redis hash tag; the same in every process (default 16)"
        case .dependencyTimeout: "seconds one Redis or PostgreSQL call may take before the request answers 503 (default 2)"
        case .httpHeadTimeout: "seconds a request's head may take to arrive (default 10)"
        case .httpBodyTimeout: "seconds a request's body may take to arrive after its head (default 30)"
        case .httpIdleTimeout: "seconds a keep-alive connection may sit idle between requests (default 60)"
        }
    }
}
