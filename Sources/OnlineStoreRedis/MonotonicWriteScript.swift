import Redis

/// The Lua script that writes one entity's row of one view only when it is not older than the
/// stored one, atomically (Redis runs a script alone): it reads `_ts:view` and
/// `_created_ts:view`, compares (event time, created time), and only then `HSET`s (and
/// optionally `EXPIRE`s). Equal times write (the later arrival wins, as in the RocksDB store).
///
/// Generations come first (``RedisOnlineKeyspace``): a stored row of an older generation is
/// replaced whatever its times, one of a newer generation is never replaced.
///
/// KEYS[1] the entity key. ARGV: 1 the `_ts` field, 2 the created field, 3 and 4 their new
/// Timestamp bytes, 5-8 the new event seconds, event nanos, created seconds, created nanos as
/// decimals, 9 the key's ttl in seconds (0: none), 10 the `_gen` field, 11 the generation as a
/// decimal, 12... feature field and value pairs.
/// Returns 1 when written, 0 when the stored row is newer.
enum MonotonicWriteScript {
    static let script = RedisScript(
        #"""
        local function varint(s, i)
          local groups = {}
          while true do
            local b = string.byte(s, i)
            if b == nil or #groups == 10 then return nil end
            i = i + 1
            groups[#groups + 1] = b % 128
            if b < 128 then break end
          end
          local value, scale = 0, 1
          if #groups == 10 and groups[10] == 1 then
            for g = 1, 9 do value = value + (127 - groups[g]) * scale; scale = scale * 128 end
            return -value - 1, i
          end
          for g = 1, #groups do value = value + groups[g] * scale; scale = scale * 128 end
          return value, i
        end
        local function timestamp(s)
          if not s then return nil end
          local seconds, nanos, i = 0, 0, 1
          while i <= #s do
            local tag = string.byte(s, i)
            i = i + 1
            if tag == 8 then seconds, i = varint(s, i)
            elseif tag == 16 then nanos, i = varint(s, i)
            else return false end
            if not i then return false end
          end
          return {seconds, nanos}
        end
        local stored = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[2], ARGV[10])
        local event = timestamp(stored[1])
        if event == false then
          return redis.error_reply('fs: the stored ' .. ARGV[1] .. ' is not a protobuf Timestamp')
        end
        local generation = tonumber(ARGV[11])
        local storedGeneration = 1
        if stored[3] then storedGeneration = tonumber(stored[3]) or 1 end
        if event and storedGeneration > generation then return 0 end
        if event and storedGeneration == generation then
          local created = timestamp(stored[2])
          if not created then created = {-1e300, 0} end
          local old = {event[1], event[2], created[1], created[2]}
          local new = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])}
          for k = 1, 4 do
            if new[k] < old[k] then return 0 end
            if new[k] > old[k] then break end
          end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], ARGV[2], ARGV[4], ARGV[10], ARGV[11])
        local i = 12
        while i <= #ARGV do
          local j = math.min(i + 199, #ARGV)
          redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
          i = j + 1
        end
        local ttl = tonumber(ARGV[9])
        if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
        return 1
        """#)
}
