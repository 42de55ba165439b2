/** `host:port` (or `[v6]:port`) as the follow and start commands take a primary or a peer. */
export function parseHostPort(text: string, what: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim());
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (match === null || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${what} must be host:port with a port from 1 to 65535; got ${JSON.stringify(text)}`);
  }
  return { host, port };
}
