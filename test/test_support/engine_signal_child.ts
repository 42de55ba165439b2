/**
 * Child process for the signal test: starts an engine on the data directory in argv[2], keeps
 * publishing commands, prints "ready" once results flow, and drains on SIGTERM through
 * installShutdownHandlers, printing how many commands it published and how many results it got.
 */
import { startEngine } from '../../engine/engine.ts';
import { installShutdownHandlers } from '../../cli/engine_signals.ts';
import { send, testOptions } from './engine_fixture.ts';

const engine = await startEngine(testOptions(process.argv[2], { journal: { durability: 'fsync' } }));
let received = 0;
let published = 0;
let accepting = true;
engine.onResult(() => {
  received++;
});
send(engine, { kind: 'createAsset', assetId: 1 }, 0);
published++;
let announced = false;
const timer = setInterval(() => {
  for (let i = 0; accepting && i < 100; i++) {
    if (send(engine, { kind: 'getBalance', accountId: 1, assetId: 1 }, published, false) < 0) break;
    published++;
  }
  if (!announced && received > 0) {
    announced = true;
    process.stdout.write('ready\n');
  }
}, 1);
installShutdownHandlers(engine, {
  beforeStop: () => {
    accepting = false;
    clearInterval(timer);
  },
  afterStop: () => {
    process.stdout.write(`published=${published} received=${received}\n`);
  },
  log: (line) => process.stderr.write(`${line}\n`),
});
