import ArgumentParser
import Foundation
import PasswordlessCore
import ServiceSettings

/// What the console is started with, read once: where it listens, who may sign in, whose email
/// connection sends their codes, and the store flags every command it runs is given.
struct ConsoleSettings: Sendable {
    var host: String
    var port: Int
    /// The console's URL as operators open it, without a trailing slash.
    var publicURL: String
    var operators: OperatorList
    /// `CONSOLE_TENANT`; nil: the first tenant by creation.
    var tenant: String?
    var store: StoreOptions
    var masterKey: MasterKey

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    init(store: StoreOptions, host: String, port: Int, publicURL: String?) throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        let environment = Self.environment
        self.host = host
        self.port = port
        self.publicURL = (publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        operators = OperatorList(environment["CONSOLE_OPERATORS"])
        tenant = environment["CONSOLE_TENANT"].flatMap { $0.isEmpty ? nil : $0 }
        self.store = store
        masterKey = try store.masterKey()
    }

    /// Whether the session cookie may go without `Secure`: only on a loopback address.
    var isLoopback: Bool { ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.") }

    /// The console's own store flags, appended to every command it runs.
    var storeArguments: [String] {
        [
            (Setting.databaseURL, store.databaseURL), (Setting.redisURL, store.redisURL),
            (Setting.queuePartitions, store.queuePartitions),
        ].flatMap { setting, value in value.map { [setting.flag, $0] } ?? [] }
    }
}

/// `CONSOLE_OPERATORS`: the addresses that may sign in, compared case-insensitively.
struct OperatorList: Sendable {
    let addresses: Set<String>

    init(_ text: String?) {
        addresses = Set(
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }

    /// The listed address `email` names (lower-cased), or nil.
    func match(_ email: String) -> String? {
        let address = email.trimmingCharacters(in: .whitespaces).lowercased()
        return addresses.contains(address) ? address : nil
    }
}
