// Module resolve hook for no_typescript.mjs.
const FORBIDDEN = /^tsx(\/|$)|\.(m|c)?ts$/;

export async function resolve(specifier, context, nextResolve) {
  if (FORBIDDEN.test(specifier)) throw new Error(`no_typescript: the compiled build tried to load ${specifier} (from ${context.parentURL})`);
  return nextResolve(specifier, context);
}
