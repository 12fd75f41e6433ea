import Foundation
import NIOCore
import PasswordlessStorage
import PostgresNIO

/// The peer measured beside Passwordless: drfpasswordless (Django REST framework) under
/// gunicorn, on a PostgreSQL database of its own, set up and started by `deploy/local/bench.sh`
/// (`deploy/local/peer/`). It gets the same load as Passwordless (``HTTPLoad``, the same
/// connections, warm-up and window) on its equivalent routes:
///
/// - start: `POST /auth/mobile/ {"mobile": …}`, which creates the user when the number is new,
///   issues a six-digit callback token and sends it (the SMS is suppressed by its settings);
/// - the exchange: `POST /auth/token/ {"mobile": …, "token": …}`, which answers a Django REST
///   framework token (an opaque key in a table: nothing is signed).
extension Run {
    /// Whether the peer is measured; else the peer cells say why not.
    var peerSkipped: String? {
        if options.peerUnavailable != nil { return "not measured (see below)" }
        if options.peerPort == nil { return "not measured" }
        return nil
    }

    /// A closed-loop run of the peer at `path`, request `index` with the body `body(index)`
    /// (nil: nothing more to send). Never throws: a failed run is a note and an empty cell.
    mutating func measurePeer(
        _ label: String, path: String, body: @escaping @Sendable (Int) -> String?
    ) async -> (figure: PeerFigure?, note: String?, issued: Int) {
        if let skipped = peerSkipped { return (nil, skipped, 0) }
        log("peer (\(options.peerName)): \(label)")
        let load = HTTPLoad(port: options.peerPort!, group: group) { index in
            body(index).map { LoadRequest(path: path, body: ByteBuffer(string: $0), key: "\(index)") }
        }
        do {
            let result = try await closedLoop(load)
            if result.succeeded == 0 {
                notes.append("the peer answered none of its \(label) requests: \(result.firstError ?? "no answer")")
            } else if let error = result.firstError {
                notes.append(
                    "the peer's \(label) run: \((result.answered - result.succeeded + result.failures).formatted()) errors, the first \(error)"
                )
            }
            var figure = PeerFigure(result)
            figure.label = label
            return (figure, nil, load.issued)
        } catch {
            notes.append("the peer's \(label) run failed: \(error)")
            return (nil, "failed (see the notes)", load.issued)
        }
    }

    /// The peer's exchange: callback tokens seeded for as many new users as its start rate
    /// suggests it can exchange (three times its rate of starts over warm-up and window), then a
    /// closed-loop run of `POST /auth/token/`, each request one of them.
    mutating func measurePeerExchange() async -> (figure: PeerFigure?, note: String?) {
        if let skipped = peerSkipped { return (nil, skipped) }
        let seconds = Double(options.warmup + options.duration)
        let count = min(500_000, peerStartRate.map { max(5_000, Int($0 * 3 * seconds)) } ?? 30_000)
        let codes: [PeerCode]
        do {
            log("peer (\(options.peerName)): seeding \(count.formatted()) callback tokens")
            codes = try await seedPeerCodes(count)
        } catch {
            notes.append("the peer's callback tokens could not be seeded: \(error)")
            return (nil, "not measured (see the notes)")
        }
        let peer = await measurePeer("POST /auth/token/", path: "/auth/token/") { index in
            guard index < codes.count else { return nil }
            return #"{"mobile":"\#(codes[index].mobile)","token":"\#(codes[index].key)"}"#
        }
        if peer.issued >= codes.count {
            notes.append("the peer's exchange run used up its \(codes.count.formatted()) callback tokens before its time was over")
        }
        return (peer.figure, peer.note)
    }

    /// Creates `count` users (`+1888…`) in the peer's database, each with an active auth
    /// callback token whose key no other active token has (drfpasswordless looks tokens up by
    /// key, and its unique constraint is on active, key and type), as its own start would leave
    /// them; returns the numbers and keys.
    func seedPeerCodes(_ count: Int) async throws -> [PeerCode] {
        guard let url = options.peerDatabaseURL else { throw BenchError("no --peer-database-url") }
        return try await withPostgres(try DatabaseSettings(url: url)) { client in
            try await client.query(
                """
                WITH free AS MATERIALIZED (
                    SELECT lpad(k::text, 6, '0') AS key, row_number() OVER (ORDER BY k) AS n
                    FROM generate_series(0, 999999) AS k
                    WHERE lpad(k::text, 6, '0') NOT IN (SELECT key FROM drfpasswordless_callbacktoken WHERE is_active)
                    LIMIT \(count)
                ), users AS (
                    INSERT INTO accounts_user (password, mobile, is_active)
                    SELECT '!', '+1888' || lpad(n::text, 7, '0'), true FROM free
                    RETURNING id, mobile
                )
                INSERT INTO drfpasswordless_callbacktoken (id, created_at, is_active, to_alias, to_alias_type, key, user_id, type)
                SELECT gen_random_uuid(), now(), true, users.mobile, 'MOBILE', free.key, users.id, 'AUTH'
                FROM users JOIN free ON users.mobile = '+1888' || lpad(free.n::text, 7, '0')
                """)
            try await client.query("VACUUM ANALYZE accounts_user")
            try await client.query("VACUUM ANALYZE drfpasswordless_callbacktoken")
            var codes: [PeerCode] = []
            let rows = try await client.query(
                """
                SELECT to_alias, key FROM drfpasswordless_callbacktoken
                WHERE is_active AND to_alias LIKE '+1888%' ORDER BY to_alias
                """)
            for try await (mobile, key) in rows.decode((String, String).self) { codes.append(PeerCode(mobile: mobile, key: key)) }
            return codes
        }
    }
}

/// One of the peer's seeded users and its callback token.
struct PeerCode: Sendable {
    var mobile: String
    var key: String
}
