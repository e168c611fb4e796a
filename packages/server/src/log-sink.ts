// Where the server's structured log lines go: JSON lines (one object per line, for log
// shippers) or a pretty one-line form for a terminal, filtered by level.
import type { LogLine, LogSink } from "./request-log.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSinkOptions {
  /** Lines below this level are dropped. Default: info. */
  level?: LogLevel;
  format?: LogFormat;
  write?: (text: string) => void;
}

const rank = (level: unknown): number => {
  const index = LOG_LEVELS.indexOf(level as LogLevel);
  return index === -1 ? LOG_LEVELS.indexOf("info") : index;
};

export function createLogSink(options: LogSinkOptions = {}): LogSink {
  const min = rank(options.level ?? "info");
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const render = options.format === "pretty" ? prettyLine : (line: LogLine) => `${JSON.stringify(line)}\n`;
  return (line) => {
    if (rank(line.level) >= min) write(render(line));
  };
}

/** `10:04:05.123 INFO  request method=POST status=200 …`: values quoted only when needed. */
export function prettyLine(line: LogLine): string {
  const { ts, level, msg, ...fields } = line;
  const time = typeof ts === "string" ? ts.slice(11, 23) : "";
  const parts = [time, String(level ?? "info").toUpperCase().padEnd(5), String(msg ?? "")];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  return `${parts.join(" ")}\n`;
}
