/**
 * Fuzzes the gateway's verifier with hostile bytes: random buffers, truncations, bit flips, insertions,
 * deletions, splices, words overwritten with extreme offsets/lengths, and references to themselves.
 * Properties: translateRequest never throws or hangs; whatever it accepts is a well-formed record that
 * reads back, that the flatc-generated reference reader reads identically (nothing accepted can be
 * misread), and that re-encodes to the same record. decodeResponse (client) fails only with its own errors.
 *
 * CODEC_FUZZ_ITERATIONS scales the run (default sized for a few seconds); the seed is fixed and printed.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { CMD_MAX_RECORD_BYTES } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { readCommandRecord } from '../codec/records/command_record_json.ts';
import { writeResultRecord } from '../codec/records/result_record_json.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { COMMAND_SPECS } from '../codec/spec/command_spec.ts';
import { anyResponse, commandArbitrary } from '../codec/test_support/arbitraries.ts';
import { readRequestWithGeneratedCode } from '../codec/test_support/generated_reader.ts';
import { encodeRequest } from '../codec/wire/request_encoder.ts';
import { encodeResponse } from '../codec/wire/response_encoder.ts';
import { decodeResponse } from '../codec/wire/response_decoder.ts';
import { translateRequest } from '../codec/wire/translate_request.ts';
import { translateJsonRequest, translateJsonValue } from '../codec/json/translate_json_request.ts';
import { TranslateResult } from '../codec/wire/translate_result.ts';

const ITERATIONS = Number(process.env.CODEC_FUZZ_ITERATIONS ?? 80_000);
const SEED = 0x5eed_c0de;

/** xorshift32: deterministic and allocation-free. */
let state = SEED;
function random(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
const randomInt = (n: number): number => Math.floor(random() * n);

function corpus(): Uint8Array[] {
  const builder = new Builder(1024);
  const messages: Uint8Array[] = [];
  for (const spec of COMMAND_SPECS) {
    for (const command of fc.sample(commandArbitrary(spec), { numRuns: 4, seed: SEED })) {
      messages.push(encodeRequest(command, builder).slice());
    }
  }
  messages.push(encodeRequest({ type: 'login', apiKey: 'key-0123456789' }, builder).slice());
  return messages;
}

const EXTREME_WORDS = [0, 1, 3, 4, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc, 0x10000, 0x1fffff, 0x200000];

function mutate(source: Uint8Array, messages: readonly Uint8Array[]): Uint8Array {
  const kind = randomInt(9);
  switch (kind) {
    case 0: { // random bytes
      const bytes = new Uint8Array(randomInt(600));
      for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(256);
      return bytes;
    }
    case 1: return source.slice(0, randomInt(source.length)); // truncation
    case 2: { // bit flips
      const bytes = source.slice();
      for (let n = 1 + randomInt(8); n > 0; n--) bytes[randomInt(bytes.length)] ^= 1 << randomInt(8);
      return bytes;
    }
    case 3: { // insertion
      const at = randomInt(source.length + 1);
      const insert = new Uint8Array(1 + randomInt(16)).map(() => randomInt(256));
      const bytes = new Uint8Array(source.length + insert.length);
      bytes.set(source.subarray(0, at));
      bytes.set(insert, at);
      bytes.set(source.subarray(at), at + insert.length);
      return bytes;
    }
    case 4: { // deletion
      const at = randomInt(source.length);
      const count = Math.min(1 + randomInt(16), source.length - at);
      const bytes = new Uint8Array(source.length - count);
      bytes.set(source.subarray(0, at));
      bytes.set(source.subarray(at + count), at);
      return bytes;
    }
    case 5: { // a word (offset, length, soffset) set to an extreme or nearby value
      const bytes = source.slice();
      if (bytes.length < 4) return bytes;
      const pos = randomInt(bytes.length >>> 2) << 2;
      const choice = randomInt(EXTREME_WORDS.length + 3);
      const value = choice < EXTREME_WORDS.length ? EXTREME_WORDS[choice]
        : choice === EXTREME_WORDS.length ? bytes.length - pos : choice === EXTREME_WORDS.length + 1 ? -pos : randomInt(64) - 32;
      new DataView(bytes.buffer).setUint32(pos, value >>> 0, true);
      return bytes;
    }
    case 6: { // a vtable entry (u16) set to an extreme
      const bytes = source.slice();
      if (bytes.length < 2) return bytes;
      const pos = randomInt(bytes.length >>> 1) << 1;
      new DataView(bytes.buffer).setUint16(pos, [0, 2, 3, 4, 0xffff, 0x8000, randomInt(64)][randomInt(7)], true);
      return bytes;
    }
    case 7: { // splice the head of one message onto the tail of another
      const other = messages[randomInt(messages.length)];
      const at = randomInt(Math.min(source.length, other.length) + 1);
      const bytes = new Uint8Array(other.length);
      bytes.set(source.subarray(0, at));
      bytes.set(other.subarray(at), at);
      return bytes;
    }
    default: { // a reference pointing at itself or at the root (a cycle, were uoffsets allowed to be 0)
      const bytes = source.slice();
      if (bytes.length < 8) return bytes;
      const pos = (randomInt((bytes.length >>> 2) - 1) + 1) << 2;
      new DataView(bytes.buffer).setUint32(pos, random() < 0.5 ? 0 : (bytes.length - pos) & ~3, true);
      return bytes;
    }
  }
}

describe('verifier fuzz', () => {
  it(`never throws, and what it accepts reads back identically (seed ${SEED}, ${ITERATIONS} inputs)`, () => {
    const messages = corpus();
    const record = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES * 2));
    const again = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES * 2));
    const result = new TranslateResult();
    const builder = new Builder(1024);
    const codes = new Map<number, number>();
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      let bytes = messages[randomInt(messages.length)];
      for (let rounds = 1 + randomInt(3); rounds > 0; rounds--) bytes = mutate(bytes, messages);
      let code: ResultCode;
      try {
        code = translateRequest(bytes, record, 0, result);
      } catch (error) {
        throw new Error(`translateRequest threw on input ${i} (${Buffer.from(bytes).toString('hex')}): ${String(error)}`);
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
      expect(result.code).toBe(code);
      if (code !== ResultCode.OK) {
        expect(result.message.length).toBeGreaterThan(0);
        continue;
      }
      accepted++;
      const reference = readRequestWithGeneratedCode(bytes);
      if (result.isLogin) {
        expect(reference.apiKey).toBe(result.apiKey);
        continue;
      }
      expect(result.recordBytes % 8).toBe(0);
      expect(result.recordBytes).toBeLessThanOrEqual(CMD_MAX_RECORD_BYTES);
      const command = readCommandRecord(record, 0);
      expect(command, Buffer.from(bytes).toString('hex')).toStrictEqual(reference);
      expect(translateRequest(encodeRequest(command, builder), again, 0, result)).toBe(ResultCode.OK);
      expect(again.bytes.subarray(0, result.recordBytes)).toEqual(record.bytes.subarray(0, result.recordBytes));
    }
    // The mutations must reach both sides of the verifier, or this test proves nothing.
    expect(accepted).toBeGreaterThan(ITERATIONS / 100);
    expect(codes.get(ResultCode.VERIFY_FAILED) ?? 0).toBeGreaterThan(ITERATIONS / 10);
    expect(codes.size).toBeGreaterThanOrEqual(5);
  });

  it('the JSON path never throws on mutated text or arbitrary JSON values, and what it accepts reads back', () => {
    const builder = new Builder(1024);
    const record = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
    const viaWire = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
    const result = new TranslateResult();
    const texts = COMMAND_SPECS.flatMap((spec) => fc.sample(commandArbitrary(spec), { numRuns: 3, seed: SEED }))
      .map((command) => JSON.stringify(command));
    const alphabet = '{}[]",:0123456789-.eE+ truefalsnul\\ab';
    let accepted = 0;
    const check = (code: ResultCode): void => {
      if (code !== ResultCode.OK || result.isLogin) return;
      accepted++;
      const command = readCommandRecord(record, 0);
      // The record the JSON path wrote is exactly what the binary path writes for the same command.
      expect(translateRequest(encodeRequest(command, builder), viaWire, 0, result)).toBe(ResultCode.OK);
      expect(viaWire.bytes.subarray(0, result.recordBytes)).toEqual(record.bytes.subarray(0, result.recordBytes));
    };
    for (let i = 0; i < ITERATIONS / 4; i++) {
      const chars = [...texts[randomInt(texts.length)]];
      for (let n = 1 + randomInt(4); n > 0; n--) {
        const at = randomInt(chars.length);
        const op = randomInt(3);
        if (op === 0) chars[at] = alphabet[randomInt(alphabet.length)];
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, alphabet[randomInt(alphabet.length)]);
      }
      check(translateJsonRequest(chars.join(''), record, 0, result));
    }
    fc.assert(fc.property(fc.jsonValue(), (value) => { check(translateJsonValue(value, record, 0, result)); }),
      { numRuns: 2000, seed: SEED });
    expect(accepted).toBeGreaterThan(0);
  });

  it('the client decoder fails only with its own errors on hostile responses', () => {
    const builder = new Builder(1024);
    const record = createRecordBuffer(new ArrayBuffer(1024));
    const responses = fc.sample(anyResponse, { numRuns: 60, seed: SEED }).map((response) => {
      writeResultRecord(response, record, 0);
      return encodeResponse(record, 0, builder).slice();
    });
    let decoded = 0;
    for (let i = 0; i < ITERATIONS / 4; i++) {
      const bytes = mutate(responses[randomInt(responses.length)], responses);
      try {
        decodeResponse(bytes);
        decoded++;
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(/^decodeResponse: /);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
