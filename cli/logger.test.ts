import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogFormat, prettyLine } from './logger.ts';

function capture(): { write(text: string): void; lines(): string[] } {
  let text = '';
  return { write: (t: string) => { text += t; }, lines: () => text.split('\n').filter((l) => l !== '') };
}

describe('logger', () => {
  it('writes one JSON object per line with an ISO time, a level name, the message and fields', () => {
    const out = capture();
    const log = createLogger({ format: 'json', stream: out });
    log.info({ port: 7400 }, 'listening');
    log.warn('torn tail truncated');
    const [first, second] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'info', msg: 'listening', port: 7400, pid: process.pid });
    expect(new Date(first.time as string).toISOString()).toBe(first.time);
    expect(second).toMatchObject({ level: 'warn', msg: 'torn tail truncated' });
  });

  it('formats the same records for a terminal', () => {
    const out = capture();
    createLogger({ format: 'pretty', stream: out }).error({ file: '/d/journal/1.seg', offset: 12 }, 'corrupt record');
    expect(out.lines()).toHaveLength(1);
    expect(out.lines()[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR corrupt record file=\/d\/journal\/1\.seg offset=12$/);
  });

  it('passes a line that is not JSON through unchanged, and picks pretty only for a terminal', () => {
    expect(prettyLine('plain text')).toBe('plain text\n');
    expect(defaultLogFormat(true)).toBe('pretty');
    expect(defaultLogFormat(false)).toBe('json');
  });
});
