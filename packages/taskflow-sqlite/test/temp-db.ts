// One temporary directory per database file, removed with every WAL/SHM sidecar.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDatabase {
  dir: string;
  path: string;
  remove(): void;
}

export function tempDatabase(name = "taskflow.sqlite"): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), "taskflow-sqlite-"));
  return { dir, path: join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
