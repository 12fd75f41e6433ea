#if canImport(Glibc)
import Glibc
#endif

/// The dispatcher's open-file limit. Every delivery in flight holds a socket, so
/// `DISPATCHER_CONCURRENCY` in the thousands needs more descriptors than the soft limit many
/// shells and container runtimes start a process with (1,024); the hard limit is usually far
/// higher (the systemd unit sets 65,536). The soft limit is raised, as Go's runtime does for
/// every program, and never lowered.
enum OpenFileLimit {
    /// Descriptors beside the deliveries' sockets: Redis and PostgreSQL connections, the HTTP
    /// port, libcurl's wake-up pair, files.
    static let headroom = 512

    /// Raises the soft limit to cover `sockets` plus ``headroom``, up to the hard limit.
    /// Returns the soft limit now in force, and whether it covers them.
    static func raise(toCover sockets: Int) -> (limit: Int, sufficient: Bool) {
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        let wanted = rlim_t(sockets + headroom)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return (0, false) }
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = min(wanted, limit.rlim_max)
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        let current = Int(clamping: limit.rlim_cur)  // RLIM_INFINITY is all ones: Int.max
        return (current, limit.rlim_cur >= wanted)
        #else
        return (Int.max, true)
        #endif
    }
}
