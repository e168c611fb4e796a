import { describeLimiterStoreConformance } from "../testing/limiter-conformance.js";
import { createMemoryLimiterStore } from "./memory-limiter-store.js";

describeLimiterStoreConformance("memory", () => ({ store: createMemoryLimiterStore() }));
