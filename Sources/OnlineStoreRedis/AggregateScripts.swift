import Redis

/// The Lua script that adds versions of events to one entity's aggregate state atomically (Redis
/// runs a script alone, so concurrent writers — replicas pushing, `fs materialize` from cron —
/// never interleave within an entity).
///
/// First it drops the events scored below the cutoff (with their versions). Then, per event: a
/// stored version whose rank (created time, then version) is not lower makes it a duplicate; no
/// stored version and an event older than the cutoff makes it late; a late version that beats a
/// stored one removes that one (replaced and late); otherwise it is stored (applied, and replaced
/// when a version was stored). Last, both keys expire once the newest event is older than the
/// retention.
///
/// KEYS[1] the sorted set of ids by time, KEYS[2] the hash of versions. ARGV[1] the score bound
/// below which events are dropped (`(x`), ARGV[2] the retention in microseconds (empty: none),
/// ARGV[3] now in microseconds; then per event: id, score, rank (``RedisAggregateEvent/rank``),
/// late (`1` or `0`), the encoded version. Returns {applied, replaced, duplicates, late}.
enum AddAggregateEventsScript {
    static let script = RedisScript(
        #"""
        local function rank(s)
          local a, b, c, d = string.match(s, '^(%d+) (%d+) (%d+) (%d+)|')
          if not a then return nil end
          return {tonumber(a), tonumber(b), tonumber(c), tonumber(d)}
        end
        local function later(x, y)
          for i = 1, 4 do
            if x[i] ~= y[i] then return x[i] > y[i] end
          end
          return false
        end
        local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        for i = 1, #gone, 1000 do
          redis.call('HDEL', KEYS[2], unpack(gone, i, math.min(i + 999, #gone)))
        end
        if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) end
        local applied, replaced, duplicates, late = 0, 0, 0, 0
        for i = 4, #ARGV, 5 do
          local id, score, late_event, value = ARGV[i], ARGV[i + 1], ARGV[i + 3] == '1', ARGV[i + 4]
          local new = rank(ARGV[i + 2])
          if not new then return redis.error_reply('fs: an aggregate event rank is malformed') end
          local stored = redis.call('HGET', KEYS[2], id)
          local old = nil
          if stored then
            old = rank(stored)
            if not old then return redis.error_reply('fs: a stored aggregate event of ' .. KEYS[2] .. ' is corrupt') end
          end
          if old and not later(new, old) then
            duplicates = duplicates + 1
          elseif late_event then
            late = late + 1
            if old then
              replaced = replaced + 1
              redis.call('HDEL', KEYS[2], id)
              redis.call('ZREM', KEYS[1], id)
            end
          else
            applied = applied + 1
            if old then replaced = replaced + 1 end
            redis.call('HSET', KEYS[2], id, value)
            redis.call('ZADD', KEYS[1], score, id)
          end
        end
        if ARGV[2] ~= '' then
          local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
          if #top == 0 then
            redis.call('DEL', KEYS[1], KEYS[2])
          else
            local ms = math.floor((tonumber(top[2]) + tonumber(ARGV[2]) - tonumber(ARGV[3])) / 1000) + 1000
            if ms < 1000 then ms = 1000 end
            if ms > 1e15 then ms = 1e15 end
            local text = string.format('%d', ms)
            redis.call('PEXPIRE', KEYS[1], text)
            redis.call('PEXPIRE', KEYS[2], text)
          end
        end
        return {applied, replaced, duplicates, late}
        """#)
}

/// The Lua script that reads the stored versions of one entity's events scored within a range,
/// in one round trip. KEYS[1] the sorted set, KEYS[2] the hash; ARGV[1] and ARGV[2] the lowest
/// and highest score (inclusive). Returns the stored versions.
enum ReadAggregateEventsScript {
    static let script = RedisScript(
        #"""
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
        local out = {}
        for i = 1, #ids, 1000 do
          local values = redis.call('HMGET', KEYS[2], unpack(ids, i, math.min(i + 999, #ids)))
          for j = 1, #values do
            if values[j] then out[#out + 1] = values[j] end
          end
        end
        return out
        """#)
}
