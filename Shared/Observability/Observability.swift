import Logging
import Metrics
import Prometheus

/// How log lines are written: `text` for people, `json` for log shippers.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// Process-wide logging and metrics set-up, done once in each executable's `main`.
///
/// Libraries and tests never call this: they receive a `Logger` and record metrics through
/// swift-metrics, which stays a no-op until a process bootstraps it.
public enum Observability {
    /// Bootstraps swift-log with the chosen format and level, and swift-metrics with a
    /// Prometheus registry, which it returns for the `/metrics` route.
    public static func bootstrap(level: Logger.Level, format: LogFormat) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, level: level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
