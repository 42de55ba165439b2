/**
 * `ringline replay`: rebuild the state from a data directory and print its state hash.
 *
 *   ringline replay --data DIR                    newest snapshot + journal; prints the state hash
 *   ringline replay --data DIR --verify           replays the journal from its start and checks the
 *                                                 hash recorded in the newest snapshot (exit 1 if not equal)
 *   ringline replay --data DIR --verify --url tcp://HOST:PORT --key KEY
 *                                                 asks the running engine for its state hash (GET_STATE_HASH),
 *                                                 replays the journal up to that command's sequence and
 *                                                 compares (exit 1 if not equal)
 *   --verify first checks every journal frame's length, CRC-32 and sequence, its segments spread over
 *   a piscina pool (journal/journal_check.ts; --threads N, 1 = on this thread), naming every corrupt
 *   segment before the replay stops at the first one.
 *   ringline replay --data DIR --print [--to SEQ] [--account ID] [--symbol ID] [--item ID]
 *                                                 one JSON line per command with its result
 *   --no-snapshot   ignore snapshots     --config FILE   the start config (its engine.logic capacities;
 *                                                   default RINGLINE_CONFIG, as for ringline start)
 *
 * Read-only: it never truncates or repairs anything (a torn tail is reported and not replayed).
 * Exit codes: 0 ok, 1 verification failed or the journal is corrupt, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from '../core/logic/state_machine.ts';
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { commandJson, commandMatches, resultJson } from '../replay/record_json.ts';
import { recoverState } from '../replay/recovery.ts';
import { prepareVerify, summarize, type MutableRecoveryOptions } from '../replay/replay_tool.ts';
import { checkJournal } from '../journal/journal_check.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { readConfigFile } from './config_file.ts';
import { UsageError } from './usage_error.ts';
import { stateHashHex } from '../core/logic/state_hash.ts';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const PROCESS_IO: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

export const REPLAY_USAGE = `usage: ringline replay --data DIR [--verify [--threads N] [--url tcp://HOST:PORT --key KEY]] [--print] [--to SEQ]
                       [--account ID] [--symbol ID] [--item ID] [--no-snapshot] [--config FILE]`;

function parseId(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be an integer from 0 to 2^53 - 1; got ${value}`);
  return n;
}

function loadLogicConfig(path: string | undefined): LogicConfig {
  if (path === undefined) return DEFAULT_LOGIC_CONFIG;
  let engine: Record<string, unknown>;
  try {
    ({ engine } = readConfigFile(path));
  } catch (error) {
    throw new UsageError(`--config: ${(error as Error).message}`);
  }
  return { ...DEFAULT_LOGIC_CONFIG, ...((engine.logic ?? {}) as Partial<LogicConfig>) };
}

export async function runReplayCli(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    return await replay(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ringline replay: ${error.message}`);
      io.err(REPLAY_USAGE);
      return 2;
    }
    io.err(`ringline replay: ${(error as Error).message}`);
    return 1;
  }
}

async function replay(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' }, verify: { type: 'boolean' }, print: { type: 'boolean' }, to: { type: 'string' },
        account: { type: 'string' }, symbol: { type: 'string' }, item: { type: 'string' },
        'no-snapshot': { type: 'boolean' }, config: { type: 'string' }, help: { type: 'boolean' },
        url: { type: 'string' }, key: { type: 'string' }, threads: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) {
    io.out(REPLAY_USAGE);
    return 0;
  }
  if (values.data === undefined || values.data === '') throw new UsageError('--data DIR is required');
  const dataDir = values.data;
  let toSequence = parseId('to', values.to);
  const threads = parseId('threads', values.threads);
  if (threads !== undefined && (values.verify !== true || threads < 1 || threads > 256)) {
    throw new UsageError(values.verify !== true ? '--threads is used with --verify' : `--threads must be an integer from 1 to 256; got ${values.threads}`);
  }
  let engine: { hash: string; sequence: number } | null = null;
  if (values.url !== undefined) {
    if (values.verify !== true) throw new UsageError('--url is used with --verify');
    engine = await engineStateHash(values.url, values.key ?? process.env.RINGLINE_ADMIN_KEY ?? '');
    // GET_STATE_HASH is journaled like any command (and answered only once durable): replaying up to
    // its sequence rebuilds exactly the state the engine hashed, even while the engine keeps going.
    toSequence = Math.min(toSequence ?? Number.MAX_SAFE_INTEGER, engine.sequence);
  }
  const filter = { account: parseId('account', values.account), symbol: parseId('symbol', values.symbol), item: parseId('item', values.item) };
  const sm = createStateMachine(loadLogicConfig(values.config ?? process.env.RINGLINE_CONFIG));

  const options: MutableRecoveryOptions = {
    dataDir, repair: false, readOnly: true, toSequence, useSnapshots: values['no-snapshot'] !== true,
  };
  if (values.print === true) {
    options.onApplied = (cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number) => {
      const command = commandJson(cmd, cmdBase);
      if (!commandMatches(command, filter)) return;
      io.out(JSON.stringify({ sequence: command.sequence, command, result: resultJson(cmd, cmdBase, out, outBase) }));
    };
  }
  const verify = { failed: false };
  if (values.verify === true) {
    const check = await checkJournal(dataDir, { threads });
    io.err(`verify: journal: ${check.segments.length} segment(s), ${check.frames} frames, ${(check.bytes / 1048576).toFixed(1)} MiB ` +
      `checked (length, CRC-32, sequence) on ${check.threads} thread(s) in ${check.durationMs.toFixed(0)} ms`);
    if (check.tornTail) io.err(`verify: the newest segment ends inside a frame after sequence ${check.lastSequence} (a torn tail: a start cuts it there)`);
    for (const problem of check.problems) io.err(`verify: FAILED: ${problem}`);
    if (check.problems.length > 0) verify.failed = true;
  }
  if (values.verify === true && engine === null) prepareVerify(dataDir, options, toSequence, io.err, verify);

  const report = recoverState(sm, options);
  for (const warning of report.warnings) io.err(`warning: ${warning}`);
  if (engine !== null) {
    const hash = sm.stateHash();
    if (report.lastSequence !== engine.sequence) {
      verify.failed = true;
      io.err(`verify: FAILED: the journal ends at ${report.lastSequence}, before the engine's sequence ${engine.sequence}`);
    } else if (hash !== engine.hash) {
      verify.failed = true;
      io.err(`verify: FAILED: replay hash at ${engine.sequence} is ${hash}, the running engine says ${engine.hash}`);
    } else {
      io.err(`verify: ok: replay hash at sequence ${engine.sequence} equals the running engine's (${hash})`);
    }
  }
  summarize(sm, report, values.print === true ? io.err : io.out);
  return verify.failed ? 1 : 0;
}

async function engineStateHash(url: string, apiKey: string): Promise<{ hash: string; sequence: number }> {
  if (apiKey === '') throw new UsageError('--url needs --key KEY (or RINGLINE_ADMIN_KEY)');
  const client = await RinglineClient.connect({ url, apiKey, reconnect: false });
  try {
    const response = await client.send({ type: 'getStateHash' });
    if (response.code !== 0 || response.result?.type !== 'stateHash') {
      throw new Error(`the engine at ${url} answered GET_STATE_HASH with ${response.status}`);
    }
    return { hash: stateHashHex(response.result.hashHigh, response.result.hashLow), sequence: response.sequence };
  } finally {
    await client.close();
  }
}
