// @taskflow-webhooks/limiter-redis: rate-limit windows shared by every instance, on Redis or Valkey.
export {
  DEFAULT_KEY_PREFIX,
  DEFAULT_REDIS_TIMEOUT_MS,
  RedisLimiterTimeoutError,
  openRedisLimiterStore,
  type RedisLimiterStore,
  type RedisLimiterStoreOptions,
} from "./redis-limiter-store.js";
export { FIXED_WINDOW_LUA } from "./fixed-window-script.js";
