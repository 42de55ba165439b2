import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONSOLE_COOKIE, ConsoleLogins, cookieValue, formField, MAX_CONSOLE_LOGINS } from './console_logins.ts';
import { MAX_WATCHED_SYMBOLS, parseSymbolList } from './console_books.ts';

describe('console logins', () => {
  it('finds a login by its cookie among others, and not after it expires or is revoked', () => {
    let now = 1_000;
    const logins = new ConsoleLogins(60_000, () => now);
    const token = logins.create(7);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logins.fromCookieHeader(`a=1; ${CONSOLE_COOKIE}=${token}; b=2`)).toMatchObject({ principalId: 7 });
    expect(logins.fromCookieHeader(`${CONSOLE_COOKIE}=${token}x`)).toBeNull();
    expect(logins.fromCookieHeader('')).toBeNull();
    now += 60_000;
    expect(logins.fromCookieHeader(`${CONSOLE_COOKIE}=${token}`)).toBeNull();
    const second = logins.create(7);
    logins.revoke(`${CONSOLE_COOKIE}=${second}`);
    expect(logins.fromCookieHeader(`${CONSOLE_COOKIE}=${second}`)).toBeNull();
  });

  it('keeps at most MAX_CONSOLE_LOGINS, dropping the oldest', () => {
    const logins = new ConsoleLogins();
    const first = logins.create(1);
    for (let i = 0; i < MAX_CONSOLE_LOGINS; i++) logins.create(1);
    expect(logins.size).toBe(MAX_CONSOLE_LOGINS);
    expect(logins.fromCookieHeader(`${CONSOLE_COOKIE}=${first}`)).toBeNull();
  });

  it('sets an HttpOnly SameSite=Strict cookie for /console, Secure over TLS', () => {
    const logins = new ConsoleLogins(3_600_000);
    expect(logins.setCookie('t', false)).toBe(`${CONSOLE_COOKIE}=t; Path=/console; HttpOnly; SameSite=Strict; Max-Age=3600`);
    expect(logins.setCookie('t', true)).toMatch(/; Secure$/);
    expect(ConsoleLogins.clearCookie(false)).toContain('Max-Age=0');
  });

  it('reads any cookie value back from a header of other cookies (property)', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    fc.assert(fc.property(token, fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), token)), (value, others) => {
      const parts = others.filter(([n]) => n !== CONSOLE_COOKIE).map(([n, v]) => `${n}=${v}`);
      parts.splice(Math.floor(parts.length / 2), 0, `${CONSOLE_COOKIE}=${value}`);
      return cookieValue(parts.join('; '), CONSOLE_COOKIE) === value;
    }));
  });

  it('reads the key from a form body', () => {
    expect(formField('key=a%2Bb%3D', 'key')).toBe('a+b=');
    expect(formField('other=1', 'key')).toBeNull();
    expect(formField('key=', 'key')).toBeNull();
  });
});

describe('parseSymbolList', () => {
  it('accepts up to MAX_WATCHED_SYMBOLS positive safe integers, without duplicates (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { maxLength: MAX_WATCHED_SYMBOLS }), (ids) => {
      expect(parseSymbolList(ids.join(','))).toEqual([...new Set(ids)]);
    }));
  });

  it('refuses anything else', () => {
    for (const bad of ['0', '-1', '1,x', '1.5', '9007199254740993', '1,,2', Array.from({ length: MAX_WATCHED_SYMBOLS + 1 }, (_v, i) => i + 1).join(',')]) {
      expect(parseSymbolList(bad), bad).toBeNull();
    }
    expect(parseSymbolList('')).toEqual([]);
  });
});
