package io.gatewatch.correlation;

/**
 * The Lua scripts behind the Redis directory: each call is one script, run atomically by the
 * server, so two replicas never both take an episode. Keys live under a scope ({@code PREFIX SOURCE
 * : GATEWAY :}): {@code s:SESSION_ID} and {@code l:LINK_KEY} are hashes, {@code f:FINGERPRINT} a
 * string. Times are event times in epoch nanoseconds, kept as decimal strings (Lua's numbers hold
 * only 53 bits) and compared as such.
 */
final class Scripts {
  private Scripts() {}

  /** Shared helpers: compare non-negative integers in decimal, resolve a client's session key. */
  private static final String COMMON =
      """
      local function newer(a, b)
        if not b or b == '' then return true end
        if #a ~= #b then return #a > #b end
        return a >= b
      end
      local function session_of(scope, sid, lk)
        if sid == '' and lk ~= '' then
          sid = redis.call('HGET', scope .. 'l:' .. lk, 'sid') or ''
        end
        if sid == '' then return false end
        return scope .. 's:' .. sid
      end
      """;

  /**
   * A socket's end. ARGV: scope, session id, link key, at, code, closed (0/1), held (0/1),
   * fingerprint of a 4004 or '', owner, ttl in ms, the client's library label or ''.
   */
  static final String ENDED =
      COMMON
          + """
          local scope, sid, lk, at, code = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
          local closed, held, fp, owner, ttl = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
          local client = ARGV[11]
          local keys = {}
          if sid ~= '' then keys[#keys + 1] = scope .. 's:' .. sid end
          if lk ~= '' then keys[#keys + 1] = scope .. 'l:' .. lk end
          if client ~= '' then
            for _, k in ipairs(keys) do redis.call('HSET', k, 'cl', client) end
          end
          for _, k in ipairs(keys) do
            if closed == '1' then
              if newer(at, redis.call('HGET', k, 'lcAt')) then
                redis.call('HSET', k, 'lcAt', at, 'lc', code)
              end
              if code == '4008' and newer(at, redis.call('HGET', k, 'rl')) then
                redis.call('HSET', k, 'rl', at)
              end
            end
          end
          if sid ~= '' and held == '1' then
            local k = scope .. 's:' .. sid
            if newer(at, redis.call('HGET', k, 'end')) then
              redis.call('HSET', k, 'end', at, 'code', code, 'owner', owner, 'att', 0, 'lr', '')
            end
          end
          if sid ~= '' and lk ~= '' then
            redis.call('HSET', scope .. 'l:' .. lk, 'sid', sid)
          end
          for _, k in ipairs(keys) do
            if redis.call('EXISTS', k) == 1 then redis.call('PEXPIRE', k, ttl) end
          end
          if fp ~= '' then
            local k = scope .. 'f:' .. fp
            if newer(at, redis.call('GET', k)) then redis.call('SET', k, at, 'PX', ttl) end
          end
          return 1
          """;

  /**
   * What is known of a client. ARGV: scope, session id, link key, fingerprint or '', attempt (0/1).
   * Returns last close time, its code, the latest 4008, the fingerprint's latest 4004, the client's
   * library label ('' when unknown).
   */
  static final String LOOKUP =
      COMMON
          + """
          local scope, sid, lk, fp, attempt = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
          local skey = session_of(scope, sid, lk)
          local keys = {}
          if skey then keys[#keys + 1] = skey end
          if lk ~= '' then keys[#keys + 1] = scope .. 'l:' .. lk end
          local lcAt, lc, rl, cl = '', '', '', ''
          for _, k in ipairs(keys) do
            local v = redis.call('HMGET', k, 'lcAt', 'lc', 'rl', 'cl')
            if v[1] and newer(v[1], lcAt) then lcAt, lc = v[1], v[2] end
            if v[3] and v[3] ~= '' and newer(v[3], rl) then rl = v[3] end
            if cl == '' and v[4] then cl = v[4] end
          end
          if attempt == '1' and skey and redis.call('HEXISTS', skey, 'end') == 1 then
            redis.call('HINCRBY', skey, 'att', 1)
          end
          local fat = ''
          if fp ~= '' then fat = redis.call('GET', scope .. 'f:' .. fp) or '' end
          return {lcAt, lc, rl, fat, cl}
          """;

  /**
   * A failed Resume's outcome, for the open episode. ARGV: scope, session id, link key, outcome.
   */
  static final String RESUME_FAILED =
      COMMON
          + """
          local skey = session_of(ARGV[1], ARGV[2], ARGV[3])
          if skey and redis.call('HEXISTS', skey, 'end') == 1 then
            redis.call('HSET', skey, 'lr', ARGV[4])
          end
          return 1
          """;

  /**
   * Takes the open episode. ARGV: scope, session id, link key, next session id, next link key, ttl.
   * Returns end, code, attempts, last resume, owner; or nil when there is none.
   */
  static final String CLAIM =
      COMMON
          + """
          local scope, sid, lk, nsid, nlk, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
          local skey = session_of(scope, sid, lk)
          local episode = false
          if skey then
            local v = redis.call('HMGET', skey, 'end', 'code', 'att', 'lr', 'owner')
            if v[1] then
              episode = {v[1], v[2] or '-1', v[3] or '0', v[4] or '', v[5] or ''}
              redis.call('HDEL', skey, 'end', 'code', 'att', 'lr', 'owner')
            end
            redis.call('HDEL', skey, 'lcAt', 'lc', 'rl')
          end
          if lk ~= '' then redis.call('HDEL', scope .. 'l:' .. lk, 'lcAt', 'lc', 'rl') end
          if nsid ~= '' and nlk ~= '' then
            local k = scope .. 'l:' .. nlk
            redis.call('HSET', k, 'sid', nsid)
            redis.call('PEXPIRE', k, ttl)
          end
          return episode
          """;

  /**
   * Gives up the episode when it is still the caller's. ARGV: scope, session id, link key, end,
   * owner. Returns 1 when it was.
   */
  static final String RELEASE =
      COMMON
          + """
          local skey = session_of(ARGV[1], ARGV[2], ARGV[3])
          if not skey then return 0 end
          local v = redis.call('HMGET', skey, 'end', 'owner')
          if v[1] == ARGV[4] and v[2] == ARGV[5] then
            redis.call('HDEL', skey, 'end', 'code', 'att', 'lr', 'owner')
            return 1
          end
          return 0
          """;

  /** The fingerprint salt every replica uses: set once, then read. ARGV: key, a fresh salt. */
  static final String SALT =
      """
      local v = redis.call('GET', ARGV[1])
      if not v then
        redis.call('SET', ARGV[1], ARGV[2])
        v = ARGV[2]
      end
      return v
      """;
}
