// Constant-time secret check without hashing. The presented value is compared with every
// configured secret, character by character, with no early exit, and the number of steps
// depends only on the presented length (which the caller knows), never on a secret's:
// each secret is kept as UTF-16 code units in a zero-padded Uint16Array whose size is a
// power of two of at least 1 024, and step i reads cell `i & mask`, always in bounds. A
// presented value longer than the array still runs all its steps (the wrapped reads do not
// matter: the lengths already differ). So timing reveals neither a secret's length nor its
// content nor which rotation slot matched. One pass over ~45 characters costs far less than
// the SHA-256 digest per request this replaced.

export interface SecretMatcher {
  /** True when `presented` equals one of the configured secrets. Empty never matches. */
  matches(presented: string): boolean;
  /** A cold matcher has no usable secret: every request is unauthorized. */
  readonly cold: boolean;
}

const MIN_CAPACITY = 1024;

interface StoredSecret {
  length: number;
  units: Uint16Array;
}

function store(secret: string, capacity: number): StoredSecret {
  const units = new Uint16Array(capacity);
  for (let i = 0; i < secret.length; i++) units[i] = secret.charCodeAt(i);
  return { length: secret.length, units };
}

/**
 * 0 when `presented` equals the stored secret, else non-zero: the length difference and
 * every code unit difference OR-ed together, over all of `presented`'s code units.
 */
function difference(presented: string, secret: StoredSecret, mask: number): number {
  const { units } = secret;
  let diff = presented.length ^ secret.length;
  for (let i = 0; i < presented.length; i++) diff |= presented.charCodeAt(i) ^ units[i & mask]!;
  return diff;
}

export function createSecretMatcher(secrets: readonly string[]): SecretMatcher {
  const usable = secrets.filter((s) => s.length > 0);
  let capacity = MIN_CAPACITY;
  for (const s of usable) while (capacity < s.length) capacity *= 2;
  const mask = capacity - 1;
  const stored = usable.map((s) => store(s, capacity));
  // A cold route still runs one comparison (against a length nothing presented can have),
  // so a cold route and a wrong secret take the same time.
  const decoy: StoredSecret = { length: -1, units: new Uint16Array(capacity) };
  return {
    cold: stored.length === 0,
    matches(presented) {
      let ok = false;
      if (stored.length === 0) difference(presented, decoy, mask);
      for (const s of stored) ok = difference(presented, s, mask) === 0 || ok;
      return ok && presented.length > 0;
    },
  };
}
