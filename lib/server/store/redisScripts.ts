/**
 * The Lua scripts of the Redis store, each one atomic on the server (Redis 7.0 and Valkey:
 * `EVALSHA`/`EVAL`, `TIME`, `XADD … MAXLEN`, no function libraries). Errors a script refuses a
 * write with start with `YQRX ` and name the reason.
 *
 * @module
 */

/**
 * Stream leases of one client key, a sorted set of lease ids scored by their expiry on the
 * server's clock: expired leases are dropped, then one is added if fewer than the limit remain.
 * KEYS: leases. ARGV: lease id, limit, TTL (ms). Returns 1 (taken) or 0 (at the limit).
 */
const acquireLease = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

/** Pushes a held lease's expiry. KEYS: leases. ARGV: lease id, TTL (ms). Returns 1, or 0 when not held. */
const renewLease = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * Binds a conversation to an owner unless another holds it. KEYS: owner key. ARGV: owner, TTL
 * (ms). Returns 1 (held by that owner, TTL restarted) or 0 (someone else's).
 */
const claimConversation = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/**
 * Starts a reply. KEYS: meta, producer. ARGV: owner, producer token, producer TTL (ms), keep
 * (ms). Returns 1, or 0 if the id is taken.
 */
const openReply = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * Appends an entry for the producer holding the lease. KEYS: log, meta, producer. ARGV: token,
 * type, data, max entries, keep (ms), '1' when the entry is an ending. Returns the entry id;
 * refuses with `YQRX ended`, `YQRX lease-lost` or `YQRX full`.
 */
const appendEntry = `
if redis.call('HEXISTS', KEYS[2], 'ended') == 1 then return redis.error_reply('YQRX ended') end
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('YQRX lease-lost') end
local ending = ARGV[6] == '1'
if not ending and redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[4]) - 1 then return redis.error_reply('YQRX full') end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[4], '*', 't', ARGV[2], 'd', ARGV[3])
if ending then
  redis.call('HSET', KEYS[2], 'ended', id)
  redis.call('DEL', KEYS[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return id`;

/**
 * The producer's heartbeat. KEYS: producer, meta, log. ARGV: token, producer TTL (ms), keep
 * (ms). Returns 1 (renewed), 2 (renewed, and a stop was requested) or 0 (the lease is lost).
 */
const renewProducer = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
if redis.call('HEXISTS', KEYS[2], 'stop') == 1 then return 2 end
return 1`;

/**
 * Records a stop request and tells the producers. KEYS: meta. ARGV: channel, reply id. Returns
 * 1, or 0 when the reply is unknown or ended.
 */
const requestStop = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'stop', '1')
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`;

/**
 * Ends a reply whose producer's lease is gone (written by a reader). KEYS: log, meta, producer.
 * ARGV: type, data, max entries, keep (ms). Returns the entry id, or 0 when the reply is
 * unknown, already ended, or its producer still alive.
 */
const endLostReply = `
if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('HEXISTS', KEYS[2], 'ended') == 1 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], '*', 't', ARGV[1], 'd', ARGV[2])
redis.call('HSET', KEYS[2], 'ended', id)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return id`;

/**
 * Keeps a chat's active reply while it is this reply. KEYS: active. ARGV: reply id, TTL (ms).
 * Returns 1, or 0 when the chat's active reply is another one (or none).
 */
const renewActiveReply = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * Ends a chat's active reply if it is this reply (a newer one is left alone). KEYS: active.
 * ARGV: reply id. Returns 1 (deleted) or 0.
 */
const clearActiveReply = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/**
 * The scripts, by name.
 */
export const redisScripts = {
  acquireLease,
  renewLease,
  claimConversation,
  openReply,
  appendEntry,
  renewProducer,
  requestStop,
  endLostReply,
  renewActiveReply,
  clearActiveReply,
} as const;
