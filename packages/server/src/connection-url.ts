// Connection strings on the command line, in the config and in the environment: which
// engine they name, and how to show them without their password.

export const isPostgresUrl = (value: string | undefined): value is string =>
  value !== undefined && /^postgres(ql)?:\/\//i.test(value.trim());

export const isRedisUrl = (value: string | undefined): value is string =>
  value !== undefined && /^rediss?:\/\//i.test(value.trim());

/** The URL with any password replaced by `***`, for log lines and error messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return value.replace(/\/\/[^@/]*@/, "//***@");
  }
}
