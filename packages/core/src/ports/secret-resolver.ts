// Resolves SecretRefs once at start-up. A throw (or rejection) leaves the route cold.
import type { MaybePromise } from "../taskflow/types.js";

export interface SecretRef {
  source: "env" | "file" | "exec" | "store";
  provider: string;
  id: string;
}

export interface SecretResolver {
  resolve(ref: SecretRef): MaybePromise<string>;
}
