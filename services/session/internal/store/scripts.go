package store

import "github.com/redis/go-redis/v9"

// Key layout under the service's prefix P (the shapes of ARCHITECTURE.md §2):
//
//	P sess:v1:<hex sha256(token)>  hash, one session (fields below); TTL = its idle expiry
//	P sid:v1:<session id>          string, the token hash of a session id; TTL = absolute expiry
//	P user:<id>:sessions           sorted set of the session ids a user owns, score = absolute expiry (ms)
//	P user:<id>:nbf                string, the user's not-before instant (ms)
//	P sessions:active              sorted set of every session id, score = idle-or-absolute expiry (ms)
//
// Times are Unix milliseconds from the service's clock, passed as ARGV: the scripts never
// read Redis' clock, so tests drive expiry with a fake clock. Redis TTLs are only a
// backstop that frees memory.
//
// The scripts compute some key names (a user's not-before key, a parent session) from
// values they read, so they need a standalone Redis or a single-slot deployment, not
// Redis Cluster.

// fields is the order of the hash fields as the scripts return them.
var fields = []string{
	"id",   // 1 session id
	"uid",  // 2 principal user id
	"un",   // 3 principal username
	"role", // 4 principal role
	"mcp",  // 5 must change password ("1")
	"ca",   // 6 created at
	"ls",   // 7 last seen at
	"exp",  // 8 absolute expiry
	"vs",   // 9 valid since (compared with the not-before instant)
	"ip",   // 10
	"ua",   // 11 user agent
	"own",  // 12 owner: the user whose index lists it
	"par",  // 13 impersonation: parent session's token hash
	"aid",  // 14 impersonation: actor user id
	"aun",  // 15 impersonation: actor username
	"asid", // 16 impersonation: actor session id
}

const prelude = `
local FIELDS = {'id','uid','un','role','mcp','ca','ls','exp','vs','ip','ua','own','par','aid','aun','asid'}

local function read(key)
  return redis.call('HMGET', key, unpack(FIELDS))
end

local function flat(f)
  for i = 1, #FIELDS do
    if not f[i] then f[i] = '' end
  end
  return f
end

local function remove(prefix, key, id, owner)
  redis.call('DEL', key, prefix .. 'sid:v1:' .. id)
  redis.call('ZREM', prefix .. 'sessions:active', id)
  if owner then
    redis.call('ZREM', prefix .. 'user:' .. owner .. ':sessions', id)
  end
end

-- alive applies the expiry rules; it returns false for a dead session, else the key of
-- its parent session ('' when it has none).
local function alive(prefix, f, now, idle)
  if now >= tonumber(f[8]) or now >= tonumber(f[7]) + idle then
    return false
  end
  local nbf = redis.call('GET', prefix .. 'user:' .. f[2] .. ':nbf')
  if nbf and tonumber(f[9]) < tonumber(nbf) then
    return false
  end
  if f[13] then
    local pkey = prefix .. 'sess:v1:' .. f[13]
    local p = redis.call('HMGET', pkey, 'ls', 'exp')
    if not p[1] or now >= tonumber(p[2]) or now >= tonumber(p[1]) + idle then
      return false
    end
    return pkey
  end
  return ''
end

local function insert(prefix, key, sidkey, ukey, now, idle, id, exp, hash, pairs)
  redis.call('HSET', key, unpack(pairs))
  local upto = math.min(now + idle, exp)
  redis.call('PEXPIRE', key, upto - now)
  redis.call('SET', sidkey, hash, 'PX', exp - now)
  redis.call('ZREMRANGEBYSCORE', ukey, '-inf', now)
  redis.call('ZADD', ukey, exp, id)
  if redis.call('PTTL', ukey) < exp - now then
    redis.call('PEXPIRE', ukey, exp - now)
  end
  local akey = prefix .. 'sessions:active'
  redis.call('ZREMRANGEBYSCORE', akey, '-inf', now)
  redis.call('ZADD', akey, upto, id)
end
`

// validateScript: KEYS[1] session key; ARGV now, idle, touch (1/0), prefix.
// Returns the fields, or nil for an unknown or dead session (which it deletes).
var validateScript = redis.NewScript(prelude + `
local now, idle, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4]
local f = read(KEYS[1])
if not f[1] then
  return false
end
local pkey = alive(prefix, f, now, idle)
if not pkey then
  remove(prefix, KEYS[1], f[1], f[12])
  return false
end
if ARGV[3] == '1' then
  local upto = math.min(now + idle, tonumber(f[8]))
  redis.call('HSET', KEYS[1], 'ls', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], upto - now)
  redis.call('ZADD', prefix .. 'sessions:active', upto, f[1])
  f[7] = ARGV[1]
  if pkey ~= '' then
    -- the superadmin is active through the impersonation: keep the parent alive too
    local p = redis.call('HMGET', pkey, 'id', 'exp')
    local pupto = math.min(now + idle, tonumber(p[2]))
    redis.call('HSET', pkey, 'ls', ARGV[1])
    redis.call('PEXPIRE', pkey, pupto - now)
    redis.call('ZADD', prefix .. 'sessions:active', pupto, p[1])
  end
end
return flat(f)
`)

// insertScript: KEYS[1] session key, KEYS[2] id index key, KEYS[3] owner's index;
// ARGV now, idle, prefix, id, exp, token hash, parent hash (” for none), field pairs...
// Returns 0 when the parent session is gone.
var insertScript = redis.NewScript(prelude + `
local now, idle, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if ARGV[7] ~= '' and redis.call('EXISTS', prefix .. 'sess:v1:' .. ARGV[7]) == 0 then
  return 0
end
insert(prefix, KEYS[1], KEYS[2], KEYS[3], now, idle, ARGV[4], tonumber(ARGV[5]), ARGV[6], {unpack(ARGV, 8)})
return 1
`)

// replaceScript: KEYS as insertScript; ARGV now, idle, prefix, id, exp, token hash, n,
// n old token hashes, field pairs... Deletes the n old sessions and inserts the new one,
// or returns 0 and changes nothing when an old one is gone.
var replaceScript = redis.NewScript(prelude + `
local now, idle, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local n = tonumber(ARGV[7])
local olds = {}
for i = 1, n do
  local key = prefix .. 'sess:v1:' .. ARGV[7 + i]
  local f = redis.call('HMGET', key, 'id', 'own')
  if not f[1] then
    return 0
  end
  olds[i] = {key, f[1], f[2]}
end
for _, o in ipairs(olds) do
  remove(prefix, o[1], o[2], o[3])
end
insert(prefix, KEYS[1], KEYS[2], KEYS[3], now, idle, ARGV[4], tonumber(ARGV[5]), ARGV[6], {unpack(ARGV, 8 + n)})
return 1
`)

// deleteScript: KEYS[1] session key; ARGV prefix. Returns the deleted fields or nil.
var deleteScript = redis.NewScript(prelude + `
local f = read(KEYS[1])
if not f[1] then
  return false
end
remove(ARGV[1], KEYS[1], f[1], f[12])
return flat(f)
`)

// deleteByIDScript: KEYS[1] id index key, KEYS[2] owner's index; ARGV prefix, owner, id.
// Returns 1 when it deleted a session of that owner.
var deleteByIDScript = redis.NewScript(prelude + `
local prefix = ARGV[1]
local h = redis.call('GET', KEYS[1])
if not h then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
local key = prefix .. 'sess:v1:' .. h
local own = redis.call('HGET', key, 'own')
if not own then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
if own ~= ARGV[2] then
  return 0
end
remove(prefix, key, ARGV[3], own)
return 1
`)

// listScript: KEYS[1] owner's index; ARGV now, idle, prefix. Returns the live sessions'
// fields and deletes the dead ones it meets (lazy index cleaning).
var listScript = redis.NewScript(prelude + `
local now, idle, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local sidkey = prefix .. 'sid:v1:' .. id
  local h = redis.call('GET', sidkey)
  local f = h and read(prefix .. 'sess:v1:' .. h)
  if f and f[1] then
    if alive(prefix, f, now, idle) then
      out[#out + 1] = flat(f)
    else
      remove(prefix, prefix .. 'sess:v1:' .. h, f[1], f[12])
    end
  else
    redis.call('DEL', sidkey)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', prefix .. 'sessions:active', id)
  end
end
return out
`)

// revokeAllScript: KEYS[1] user's index, KEYS[2] user's not-before key; ARGV now,
// except id, not-before ttl, prefix. Returns how many sessions it deleted.
var revokeAllScript = redis.NewScript(prelude + `
local prefix = ARGV[4]
local cur = redis.call('GET', KEYS[2])
local nbf = ARGV[1]
if cur and tonumber(cur) > tonumber(nbf) then
  nbf = cur
end
redis.call('SET', KEYS[2], nbf, 'PX', ARGV[3])
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local sidkey = prefix .. 'sid:v1:' .. id
  local h = redis.call('GET', sidkey)
  local key = h and (prefix .. 'sess:v1:' .. h)
  local vs = key and redis.call('HGET', key, 'vs')
  -- the kept session must not already be dead by an earlier not-before
  if id == ARGV[2] and vs and not (cur and tonumber(vs) < tonumber(cur)) then
    redis.call('HSET', key, 'vs', nbf)
  else
    if key then
      n = n + redis.call('DEL', key)
    end
    redis.call('DEL', sidkey)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', prefix .. 'sessions:active', id)
  end
end
return n
`)
