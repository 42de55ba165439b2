/**
 * The `ringline` command line. cli/ringline.mjs registers the TypeScript loader and calls
 * main(argv); main returns the process exit code (0 ok, 1 the command failed, 2 usage error).
 */
import { callCommand, CALL_USAGE } from './call_command.ts';
import { principalCommand, PRINCIPAL_USAGE } from './principal_command.ts';
import { startCommand } from './start_command.ts';
import { startUsage } from './start_options.ts';

export const USAGE = `ringline — an LMAX-style transaction engine

usage: ringline <command> [options]

commands
  start        run the engine and its gateway (TCP :7400, WebSocket + HTTP/JSON :7401)
  call         send one command and print the JSON response
  principal    add or list principals (API keys)
  replay       rebuild state from a journal, verify it, print commands and results
  follow       run a hot standby of a primary (ringline start --replication async|sync)
  promote      make a stopped follower's data directory the next primary (epoch + 1)
  help         this text; "ringline <command> --help" for a command's options

${startUsage()}

${CALL_USAGE}

${PRINCIPAL_USAGE}
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        if (rest.includes('--help') || rest.includes('-h')) return printed(startUsage());
        return await startCommand(rest);
      case 'call':
        if (rest.includes('--help') || rest.includes('-h')) return printed(CALL_USAGE);
        return await callCommand(rest);
      case 'principal':
      case 'principals':
        return await principalCommand(rest);
      case 'replay': {
        const { runReplayCli } = await import('./replay_command.ts');
        return await runReplayCli(rest);
      }
      case 'follow': {
        const { followCommand, FOLLOW_USAGE } = await import('./follow_command.ts');
        if (rest.includes('--help') || rest.includes('-h')) return printed(FOLLOW_USAGE);
        return await followCommand(rest);
      }
      case 'promote': {
        const { promoteCommand, PROMOTE_USAGE } = await import('./promote_command.ts');
        if (rest.includes('--help') || rest.includes('-h')) return printed(PROMOTE_USAGE);
        return promoteCommand(rest);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return printed(USAGE);
      default:
        process.stderr.write(`ringline: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
}

function printed(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
