import Foundation
import JWTKit
import PasswordlessStorage
import Tokens

/// The limits the services are compared with, measured in the same run on the same machine.
enum RawLimits {
    /// Raises this process's open-file limit to its hard limit (the services it starts inherit
    /// it): the 200 ms provider stand-in holds a connection per delivery in flight, thousands of
    /// them. Returns the soft limit in force afterwards.
    @discardableResult
    static func raiseFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }

    /// `redis-benchmark` SET and GET at 64 connections, no pipelining: simple commands a second.
    /// `url` is the benchmark's `REDIS_URL`: with several seed nodes, `--cluster` from the first;
    /// `rediss://`, TLS with `REDIS_TLS_CA_FILE` (and `REDIS_TLS_CERT_FILE`/`REDIS_TLS_KEY_FILE`).
    static func redisCommandsPerSecond(url: String) throws -> Double {
        guard let schemeEnd = url.range(of: "://") else { throw BenchError("not a Redis URL: \(url)") }
        let scheme = url[..<schemeEnd.lowerBound]
        let seeds = url[schemeEnd.upperBound...].split(separator: "/")[0].split(separator: ",")
        let first = seeds[0].split(separator: "@").last ?? seeds[0]
        let host = first.split(separator: ":").first.map(String.init) ?? "127.0.0.1"
        let port = first.split(separator: ":").dropFirst().first.map(String.init) ?? "6379"
        var arguments = ["redis-benchmark", "-h", host, "-p", port]
        if seeds.count > 1 { arguments.append("--cluster") }
        if scheme == "rediss" {
            let environment = ProcessInfo.processInfo.environment
            arguments.append("--tls")
            for (option, variable) in [
                ("--cacert", "REDIS_TLS_CA_FILE"), ("--cert", "REDIS_TLS_CERT_FILE"), ("--key", "REDIS_TLS_KEY_FILE"),
            ] {
                if let file = environment[variable] { arguments += [option, file] }
            }
        }
        let csv = try run("/usr/bin/env", arguments + ["-c", "64", "-n", "200000", "-t", "set,get", "--csv"])
        // "test","rps",…  then  "SET","76335.88",…
        let rates = csv.split(separator: "\n").dropFirst().compactMap { line -> Double? in
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            return fields.count > 1 ? Double(fields[1]) : nil
        }
        guard !rates.isEmpty else { throw BenchError("redis-benchmark printed no rates: \(csv)") }
        return rates.reduce(0, +) / Double(rates.count)
    }

    /// `pgbench` running the gateway's own statement shape (a single-row insert with a random id
    /// that does nothing when the identifier exists, into a copy of the users table with its
    /// indexes) with as many clients as the gateway's pool: upserts a second.
    ///
    /// pgbench runs a fixed number of transactions (`-t`), not a time (`-T`): a child of this
    /// process inherits a signal mask that blocks the `SIGALRM` its timer needs.
    static func postgresUpsertsPerSecond(database: DatabaseSettings, transactionsPerClient: Int, clients: Int) throws -> Double {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("passwordless-bench-upsert.sql")
        try """
        \\set n random(1, 2000000000)
        INSERT INTO bench_upserts (id, tenant_id, connection_id, identifier, phone_number)
        VALUES (substr(md5(random()::text), 1, 24), '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002', '+1' || :n, '+1' || :n)
        ON CONFLICT (tenant_id, connection_id, identifier) DO NOTHING;
        """.write(to: script, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = database.password ?? ""
        let connection = ["-h", database.host, "-p", "\(database.port)", "-U", database.username, database.database]
        try run(
            "/usr/bin/env",
            [
                "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                """
                DROP TABLE IF EXISTS bench_upserts;
                CREATE TABLE bench_upserts (LIKE users INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
                """,
            ] + connection, environment: environment)
        defer {
            _ = try? run(
                "/usr/bin/env", ["psql", "-X", "-q", "-c", "DROP TABLE IF EXISTS bench_upserts"] + connection, environment: environment)
        }
        let output = try run(
            "/usr/bin/env",
            ["pgbench", "-n", "-M", "prepared", "-c", "\(clients)", "-j", "2", "-t", "\(transactionsPerClient)", "-f", script.path]
                + connection,
            environment: environment)
        // "tps = 7412.345 (without initial connection time)"
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else { throw BenchError("pgbench printed no tps: \(output)") }
        return tps
    }

    /// id_tokens one core signs a second, through the path the token service uses: OpenSSL for
    /// RS256 (``RS256Signer``), jwt-kit for ES256.
    static func signaturesPerSecond(_ algorithm: String, seconds: Double = 2) async throws -> Double {
        let keys = JWTKeyCollection()
        let rsa = algorithm == "RS256" ? try RS256Signer(pem: try SigningKeyFactory.rs256().privateKeyPEM) : nil
        if rsa == nil { await keys.add(ecdsa: try ES256PrivateKey(pem: SigningKeyFactory.es256().privateKeyPEM), kid: "k") }
        let now = Date()
        let claims = IDTokenClaims(
            issuer: "https://bench.example.com/", subject: "sms|0123456789abcdef01234567", audience: "client", issuedAt: now,
            expiresAt: now.addingTimeInterval(36_000))
        let started = ContinuousClock.now
        var signed = 0
        while ContinuousClock.now - started < .seconds(seconds) {
            for _ in 0..<50 {
                if let rsa { _ = try rsa.token(claims, kid: "k") } else { _ = try await keys.sign(claims, kid: "k") }
            }
            signed += 50
        }
        return Double(signed) / (ContinuousClock.now - started).seconds
    }
}
