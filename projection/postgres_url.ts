/** PostgreSQL URLs as ringline takes them: checked up front, printed without their password. */

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable PostgreSQL URL)';
  }
}

/** Throws a message naming `option` unless `url` is a postgres:// or postgresql:// URL with a host. */
export function validatePostgresUrl(url: string, option: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${option} must be a PostgreSQL URL (postgres://user:password@host:port/database); got an unparsable value`);
  }
  if ((parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') || parsed.hostname === '') {
    throw new Error(`${option} must be a PostgreSQL URL (postgres://user:password@host:port/database); got ${redactUrl(url)}`);
  }
}
