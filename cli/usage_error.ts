/**
 * A command line the user must change: bad flag, missing or invalid option, unreadable or invalid
 * config file. main() turns it into exit code 2; any other error is a failure (exit 1).
 */
export class UsageError extends Error {}

/** Runs an option parser; whatever it throws becomes a UsageError with `prefix` and the usage text. */
export function parsingUsage<T>(prefix: string, usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error as Error).message;
    throw new UsageError(`${message.startsWith(prefix) ? message : `${prefix}: ${message}`}\n\n${usage}`);
  }
}
