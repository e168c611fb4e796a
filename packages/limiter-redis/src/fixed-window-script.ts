// The fixed window as one Lua script, so a consume is atomic and one round trip (EVALSHA).
// The key is a hash {c: count, r: resetAt}: the window's end is taken from the caller's
// clock (ARGV[1] = now) exactly as the memory store does, so both stores give the same
// `resetAt` and start a new window at the same instant. The first hit of a window also
// sets PEXPIRE to the window length: Redis drops the key when its window is over, so keys
// never outlive their window and memory is bounded by the clients of one window.
// Refused calls keep counting (like the SQLite store); `count <= max` is the answer.
export const FIXED_WINDOW_LUA = `
local now = tonumber(ARGV[1])
local reset = tonumber(redis.call('HGET', KEYS[1], 'r'))
if reset == nil or reset <= now then
  reset = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'c', 1, 'r', reset)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, reset}
end
return {redis.call('HINCRBY', KEYS[1], 'c', 1), reset}
`;
