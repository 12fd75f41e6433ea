import Logging
import NIOConcurrencyHelpers

/// A logger whose lines a test reads back: each as "level message key=value…".
final class LogCapture: Sendable {
    private let captured = NIOLockedValueBox<[String]>([])

    var lines: [String] { captured.withLockedValue { $0 } }

    var logger: Logger {
        let captured = self.captured
        return Logger(label: "capture") { _ in Handler(captured: captured) }
    }

    private struct Handler: LogHandler {
        let captured: NIOLockedValueBox<[String]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            let fields = metadata.merging(extra ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let line = (["\(level)", "\(message)"] + fields).joined(separator: " ")
            captured.withLockedValue { $0.append(line) }
        }
    }
}
