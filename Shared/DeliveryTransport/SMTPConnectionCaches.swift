import CCurl

/// One libcurl connection cache (a share with `CURL_LOCK_DATA_CONNECT`) per SMTP server identity:
/// URL, credentials, TLS policy and trusted CAs.
///
/// An SMTP session left open after a message is reused for the next message to the same identity
/// (libcurl sends a new `MAIL FROM` on it), and for nothing else. libcurl's own matching would
/// compare host, port and credentials only: a send that requires TLS could then go out on a
/// session another connection left in plain text, or over a session whose certificate was checked
/// against another CA. A separate cache per identity rules both out.
///
/// Owned by one ``CurlMultiDriver`` and touched by its thread only, so the shares need no locks.
/// Identities are the distinct SMTP settings of the tenants' connections: few, and kept until the
/// transport shuts down (a changed password adds one, whose predecessor's idle sessions are closed
/// by the server or at shutdown).
struct SMTPConnectionCaches {
    private struct Identity: Hashable {
        var url: String
        var username: String?
        var password: String?
        var tls: SMTPServer.TLSPolicy
        var caFile: String?
    }

    private var shares: [Identity: UnsafeMutableRawPointer] = [:]

    /// The cache for `server`'s identity, made on first use.
    mutating func share(for server: SMTPServer) -> UnsafeMutableRawPointer {
        let identity = Identity(
            url: server.url, username: server.username, password: server.password, tls: server.tls, caFile: server.caFile)
        if let share = shares[identity] { return share }
        guard let share = curl_share_init() else { fatalError("curl_share_init failed: out of memory") }
        _ = pcurl_share_set_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_CONNECT.rawValue))
        shares[identity] = share
        return share
    }

    /// Closes every cached session (sending `QUIT`). Every easy handle that used a share must have
    /// been cleaned up first, or libcurl refuses to free it.
    mutating func closeAll() {
        for share in shares.values { curl_share_cleanup(share) }
        shares = [:]
    }
}
