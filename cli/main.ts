/**
 * The `ringline` command line. cli/ringline.ts (compiled: dist/cli/ringline.js) or, from source,
 * cli/ringline.mjs calls main(argv); main returns the process exit code:
 *   0 ok · 1 the command failed (engine error, refused start, verification failed, non-zero result)
 *   2 usage error (unknown command or flag, invalid option or config file)
 */
import { createRequire } from 'node:module';
import { callCommand, CALL_USAGE } from './call_command.ts';
import { principalCommand, PRINCIPAL_USAGE } from './principal_command.ts';
import { startCommand } from './start_command.ts';
import { startUsage } from './start_options.ts';
import { UsageError } from './usage_error.ts';

export const USAGE = `ringline — an LMAX-style transaction engine

usage: ringline <command> [options]
       ringline --version | --help

commands
  start        run the engine and its gateway (TCP :7400, WebSocket + HTTP/JSON :7401)
  call         send one command and print the JSON response
  principal    add, revoke, rotate or list principals (API keys)
  replay       rebuild state from a journal, verify it, print commands and results
  follow       run a hot standby of a primary (ringline start --replication async|sync)
  promote      make a stopped follower's data directory the next primary (epoch + 1)
  project      write the engine's events into PostgreSQL tables (orders, fills, balances, ...)
  postgres     run the embedded PostgreSQL for the projection's quick start
  help         this text; "ringline <command> --help" for a command's options

exit codes: 0 ok, 1 the command failed, 2 usage error

${startUsage()}

${CALL_USAGE}

${PRINCIPAL_USAGE}
`;

interface Command {
  /** The command's usage text (--help). */
  usage(): Promise<string>;
  run(argv: readonly string[]): Promise<number>;
}

/** A command whose module is imported only when it is used; `load` names the module once. */
function lazyCommand<M>(load: () => Promise<M>, usage: (module: M) => string, run: (module: M, argv: readonly string[]) => Promise<number>): Command {
  return {
    usage: async () => usage(await load()),
    run: async (argv) => run(await load(), argv),
  };
}

/** replay, follow, promote, project and postgres load their modules only when used. */
const COMMANDS: Readonly<Record<string, Command>> = {
  start: { usage: async () => startUsage(), run: startCommand },
  call: { usage: async () => CALL_USAGE, run: callCommand },
  principal: { usage: async () => PRINCIPAL_USAGE, run: principalCommand },
  replay: lazyCommand(() => import('./replay_command.ts'), (m) => m.REPLAY_USAGE, (m, argv) => m.runReplayCli([...argv])),
  follow: lazyCommand(() => import('./follow_command.ts'), (m) => m.FOLLOW_USAGE, (m, argv) => m.followCommand(argv)),
  promote: lazyCommand(() => import('./promote_command.ts'), (m) => m.PROMOTE_USAGE, (m, argv) => m.promoteCommand(argv)),
  project: lazyCommand(() => import('./project_command.ts'), (m) => m.PROJECT_USAGE, (m, argv) => m.projectCommand(argv)),
  postgres: lazyCommand(() => import('./postgres_command.ts'), (m) => m.POSTGRES_USAGE, (m, argv) => m.postgresCommand(argv)),
};

/** `ringline X.Y.Z (node vA.B.C)`: the package's own version (self-reference through its exports map). */
export function versionLine(): string {
  const { version } = createRequire(import.meta.url)('ringline/package.json') as { version: string };
  return `ringline ${version} (node ${process.version})`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') return printed(USAGE);
    if (name === '--version' || name === '-v' || name === 'version') return printed(versionLine());
    const command = COMMANDS[name === 'principals' ? 'principal' : name];
    if (command === undefined) throw new UsageError(`ringline: unknown command "${name}"\n\n${USAGE}`);
    if (rest.includes('--help') || rest.includes('-h')) return printed(await command.usage());
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function printed(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
