import RedisClient

/// The Lua scripts of the partitioned queue. Each one touches the keys of one partition only:
/// those in `KEYS`, and tenant, processing and heartbeat keys it builds from a prefix that
/// carries the same hash tag (`ARGV`), so each runs in one Redis Cluster slot.
///
/// Tenants take turns through the partition's `ready` list, a ring: a take pops the tenant on
/// its right end, moves one job of that tenant's into the worker's processing list and puts the
/// tenant back on the left end, or drops it when its list is empty. A tenant with ten thousand
/// jobs waiting therefore gets one job per turn like a tenant with one.
enum QueueScripts {
    /// How many wake tokens a partition keeps: enough to wake a few idle dispatchers at once;
    /// each one that finds more work than it takes wakes another (see ``take``).
    static let wakeTokens = 4

    /// Helpers the scripts share.
    ///
    /// `tenant_of(job)`: the job's tenant id, lower case, read from its JSON; `malformed` for
    /// bytes that are not a job (they take their turns and are dead-lettered when taken).
    /// `give_back(ready, prefix, job, soon)`: puts a job on its tenant's list, at the end taken
    /// next (`soon`: a job that had already been taken) or at the back, and puts the tenant in
    /// the ring if it was not (at the front with `soon`).
    /// `wake(key, keep)`: pushes a wake token, keeping at most `keep`.
    private static let helpers = """
        local function tenant_of(job)
            local ok, decoded = pcall(cjson.decode, job)
            if ok and type(decoded) == 'table' and type(decoded['tenantID']) == 'string'
                and string.match(decoded['tenantID'], '^[%x%-]+$') then
                return string.lower(decoded['tenantID'])
            end
            return '\(QueuePartition.malformedTenant)'
        end
        local function give_back(ready, prefix, job, soon)
            local tenant = tenant_of(job)
            local length
            if soon then length = redis.call('RPUSH', prefix .. tenant, job) else length = redis.call('LPUSH', prefix .. tenant, job) end
            if length == 1 then
                if soon then redis.call('RPUSH', ready, tenant) else redis.call('LPUSH', ready, tenant) end
            end
        end
        local function wake(key, keep)
            redis.call('LPUSH', key, '1')
            redis.call('LTRIM', key, 0, tonumber(keep) - 1)
        end

        """

    /// KEYS: ready, the tenant's list, wake. ARGV: tenant, job, wake tokens kept.
    static let enqueue = RedisScript(
        """
        if redis.call('LPUSH', KEYS[2], ARGV[2]) == 1 then redis.call('LPUSH', KEYS[1], ARGV[1]) end
        redis.call('LPUSH', KEYS[3], '1')
        redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
        return 1
        """)

    /// Takes up to `count` jobs, one per tenant turn, into the worker's processing list; returns
    /// them. Afterwards, when tenants still have work, it leaves a wake token for another
    /// dispatcher; when none has, it clears the tokens, so idle dispatchers do not wake for
    /// work already taken.
    ///
    /// KEYS: ready, processing list, wake. ARGV: tenant prefix, count, wake tokens kept.
    static let take = RedisScript(
        helpers + """
            local taken = {}
            local count = tonumber(ARGV[2])
            while #taken < count do
                local tenant = redis.call('LMOVE', KEYS[1], KEYS[1], 'RIGHT', 'LEFT')
                if not tenant then break end
                local list = ARGV[1] .. tenant
                local job = redis.call('RPOP', list)
                if job then
                    redis.call('LPUSH', KEYS[2], job)
                    taken[#taken + 1] = job
                end
                if redis.call('LLEN', list) == 0 then redis.call('LPOP', KEYS[1]) end
            end
            if redis.call('LLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[3]) else wake(KEYS[3], ARGV[3]) end
            return taken
            """)

    /// Moves a job from processing to the retry schedule.
    /// KEYS: processing list, scheduled. ARGV: job, updated job, due (ms).
    static let moveToSchedule = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        return 1
        """)

    /// Moves a job from processing to the dead letters, keeping the newest `cap`.
    /// KEYS: processing list, dead. ARGV: job, dead letter, cap.
    static let moveToDead = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('LPUSH', KEYS[2], ARGV[2])
        redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
        return 1
        """)

    /// Moves up to `limit` retries due by Redis' clock back to their tenants' lists.
    /// KEYS: scheduled, ready, wake. ARGV: limit, tenant prefix, wake tokens kept.
    static let promote = RedisScript(
        helpers + """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
            for _, job in ipairs(due) do
                redis.call('ZREM', KEYS[1], job)
                give_back(KEYS[2], ARGV[2], job, false)
            end
            if #due > 0 then wake(KEYS[3], ARGV[3]) end
            return #due
            """)

    /// Gives the jobs of every registered worker whose heartbeat expired back to their tenants
    /// (at the end taken next, the oldest first) and forgets those workers.
    /// KEYS: workers, ready, wake. ARGV: processing prefix, heartbeat prefix, tenant prefix, wake tokens kept.
    static let reap = RedisScript(
        helpers + """
            local moved = 0
            for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
                if redis.call('EXISTS', ARGV[2] .. worker) == 0 then
                    local processing = ARGV[1] .. worker
                    local job = redis.call('LPOP', processing)
                    while job do
                        give_back(KEYS[2], ARGV[3], job, true)
                        moved = moved + 1
                        job = redis.call('LPOP', processing)
                    end
                    redis.call('SREM', KEYS[1], worker)
                end
            end
            if moved > 0 then wake(KEYS[3], ARGV[4]) end
            return moved
            """)

    /// Gives everything in one worker's processing list back and forgets the worker.
    /// KEYS: workers, ready, processing list, heartbeat, wake. ARGV: worker, tenant prefix, wake tokens kept.
    static let release = RedisScript(
        helpers + """
            local moved = 0
            local job = redis.call('LPOP', KEYS[3])
            while job do
                give_back(KEYS[2], ARGV[2], job, true)
                moved = moved + 1
                job = redis.call('LPOP', KEYS[3])
            end
            redis.call('DEL', KEYS[4])
            redis.call('SREM', KEYS[1], ARGV[1])
            if moved > 0 then wake(KEYS[5], ARGV[3]) end
            return moved
            """)

    /// Gives one job of a worker's processing list back, if it is still there.
    /// KEYS: processing list, ready, wake. ARGV: job, tenant prefix, wake tokens kept.
    static let returnOrphan = RedisScript(
        helpers + """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            give_back(KEYS[2], ARGV[2], ARGV[1], true)
            wake(KEYS[3], ARGV[3])
            return 1
            """)

    /// Moves a dead letter back to its tenant's list as `job`, if it is still there.
    /// KEYS: dead, ready, wake. ARGV: dead letter, job, tenant prefix, wake tokens kept.
    static let requeueDead = RedisScript(
        helpers + """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            give_back(KEYS[2], ARGV[3], ARGV[2], false)
            wake(KEYS[3], ARGV[4])
            return 1
            """)

    /// Empties one tenant's list and takes it out of the ring; returns how many jobs it held.
    /// KEYS: ready, the tenant's list. ARGV: tenant.
    static let discardTenant = RedisScript(
        """
        local count = redis.call('LLEN', KEYS[2])
        redis.call('DEL', KEYS[2])
        redis.call('LREM', KEYS[1], 0, ARGV[1])
        return count
        """)

    /// One partition's depth: `{pending, scheduled, dead, oldest createdAt (ms, 0 when none),
    /// tenants with work, {tenant, pending, …} for the `top` deepest, {worker, processing,
    /// alive (0/1), …}}`.
    /// KEYS: ready, scheduled, dead, workers. ARGV: tenant prefix, processing prefix, heartbeat prefix, top.
    static let stats = RedisScript(
        """
        local tenants = redis.call('LRANGE', KEYS[1], 0, -1)
        local depths = {}
        local pending = 0
        local oldest = 0
        for _, tenant in ipairs(tenants) do
            local list = ARGV[1] .. tenant
            local length = redis.call('LLEN', list)
            if length > 0 then
                pending = pending + length
                depths[#depths + 1] = {tenant, length}
                local created = tonumber(string.match(redis.call('LINDEX', list, -1), '"createdAt":(%d+)') or '')
                if created and (oldest == 0 or created < oldest) then oldest = created end
            end
        end
        table.sort(depths, function(a, b) return a[2] > b[2] end)
        local top = {}
        for i = 1, math.min(#depths, tonumber(ARGV[4])) do
            top[#top + 1] = depths[i][1]
            top[#top + 1] = depths[i][2]
        end
        local workers = {}
        for _, worker in ipairs(redis.call('SMEMBERS', KEYS[4])) do
            workers[#workers + 1] = worker
            workers[#workers + 1] = redis.call('LLEN', ARGV[2] .. worker)
            workers[#workers + 1] = redis.call('EXISTS', ARGV[3] .. worker)
        end
        return {pending, redis.call('ZCARD', KEYS[2]), redis.call('LLEN', KEYS[3]), oldest, #depths, top, workers}
        """)
}
