/// Which key decides where a command runs on a Redis Cluster.
extension RedisCommand {
    /// Commands that name no key: they run on any node.
    static let keyless: Set<String> = [
        "ASKING", "AUTH", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DBSIZE", "DEBUG", "ECHO", "FLUSHALL", "FLUSHDB", "HELLO",
        "INFO", "KEYS", "LASTSAVE", "MULTI", "EXEC", "PING", "PUBLISH", "RANDOMKEY", "READONLY", "READWRITE", "ROLE", "SCAN",
        "SCRIPT", "SELECT", "TIME", "WAIT",
    ]

    /// The key whose slot the command is sent to: the first key of a script, else the first
    /// argument. Nil for commands without keys. Commands with several keys need them all in one
    /// slot (Redis refuses them otherwise with `CROSSSLOT`); the keys' shared hash tag sees to it.
    var routingKey: [UInt8]? {
        guard arguments.count > 1 else { return nil }
        let name = self.name.uppercased()
        switch name {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            guard arguments.count > 3, let count = Int(String(decoding: arguments[2], as: UTF8.self)), count > 0 else { return nil }
            return arguments[3]
        default:
            return Self.keyless.contains(name) ? nil : arguments[1]
        }
    }
}
