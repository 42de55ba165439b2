/**
 * The README's curl session, read from the README itself: the ```sh block after the marker
 * `<!-- session: replayed by test/readme_session.test.ts -->`. Each `curl` line (continued with `\`)
 * is one request; the `# ` lines after it are the JSON answer the README promises.
 *
 *   curl -s localhost:7401/v1/commands/createAsset -H "authorization: Bearer $KEY" -d '{"assetId":1}'
 *   # {"correlationId":0,"sequence":1,...}
 */
export const SESSION_MARKER = '<!-- session: replayed by test/readme_session.test.ts -->';

export interface SessionStep {
  /** The curl command as written. */
  readonly command: string;
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. /v1/commands/buy. */
  readonly path: string;
  readonly body: string | null;
  /** Whether the request carries the admin key ($KEY). */
  readonly authorized: boolean;
  /** The answer as the README shows it (the `# ` lines joined), or null when none is shown. */
  readonly expected: string | null;
}

export function readSession(readme: string): SessionStep[] {
  const at = readme.indexOf(SESSION_MARKER);
  if (at < 0) throw new Error(`README has no ${SESSION_MARKER}`);
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme.slice(at));
  if (block === null) throw new Error('no ```sh block after the session marker');
  const lines = block[1].split('\n');
  const steps: SessionStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('curl ')) continue;
    let command = lines[i];
    while (command.endsWith('\\')) command = `${command.slice(0, -1).trimEnd()} ${lines[++i].trim()}`;
    const expected: string[] = [];
    while (i + 1 < lines.length && lines[i + 1].startsWith('# ')) expected.push(lines[++i].slice(2).trim());
    steps.push(parseCurl(command, expected.length === 0 ? null : expected.join('')));
  }
  return steps;
}

function parseCurl(command: string, expected: string | null): SessionStep {
  const url = /\blocalhost:7401(\/\S*)/.exec(command);
  if (url === null) throw new Error(`curl line without localhost:7401/…: ${command}`);
  const body = /-d '([^']*)'/.exec(command)?.[1] ?? null;
  const authorized = command.includes('-H "authorization: Bearer $KEY"');
  return { command, method: body === null ? 'GET' : 'POST', path: url[1], body, authorized, expected };
}
