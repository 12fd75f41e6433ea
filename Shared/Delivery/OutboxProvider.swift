import Foundation
import NIOConcurrencyHelpers
import PasswordlessCore

/// For local development: appends each message as one JSON line to the connection's file,
/// `{"id","recipient","subject","body","html","sent_at"}` (`html` for email only), where a
/// newcomer finds the code and the sign-in link.
public struct OutboxProvider: DeliveryProvider {
    private static let lock = NIOLock()

    public init() {}

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let path = settings.outboxFile else { throw .permanent(reason: "the connection has no outbox file") }
        var record: [String: String] = [
            "id": message.jobID, "recipient": message.recipient, "subject": message.subject, "body": message.body,
            "sent_at": ISO8601DateFormatter().string(from: Date()),
        ]
        record["html"] = message.html
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else {
            throw .permanent(reason: "cannot encode the message")
        }
        line.append(0x0A)
        let written: Bool = Self.lock.withLock {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            return line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == line.count
        }
        guard written else { throw .transient(reason: "cannot append to the outbox file", retryAfter: nil) }
        return nil
    }
}
