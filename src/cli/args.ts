import { UsageError } from './command.js';

/** One option a command accepts, keyed by its name without the leading `--`. */
export interface OptionSpec {
  /** 'string' takes a value (`--name value` or `--name=value`, never empty); 'boolean' takes none. */
  readonly type: 'string' | 'boolean';
  /** A string option given more than once keeps every value, in order; otherwise the last one wins. */
  readonly multiple?: boolean;
  /**
   * Validates a value as soon as it is read, so that of several bad options the first on the command line is
   * the one reported. Throws UsageError; `flag` is the option as typed (`--port`).
   */
  readonly check?: (value: string, flag: string) => void;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The options given: `true` for a boolean, the value (or values, for `multiple`) for a string; absent when not given. */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]?: S[K] extends { readonly type: 'boolean' } ? true : S[K] extends { readonly multiple: true } ? string[] : string;
};

export interface ArgvSpec<S extends OptionSpecs> {
  readonly options: S;
  /**
   * What becomes of arguments that are not known options:
   * - 'reject' (default): `unknown option 'x'`, for commands that take only options;
   * - 'positionals': words are collected in `positionals` (`--` ends the options), unknown `-x` are rejected;
   * - 'pass': everything else, from an unknown option to a `--` and all after it, is left in `rest` in order,
   *   for commands that hand what they do not know on to something else (`firebreak tools <server>`).
   */
  readonly others?: 'reject' | 'positionals' | 'pass';
}

export interface ParsedArgv<S extends OptionSpecs> {
  readonly values: OptionValues<S>;
  readonly positionals: string[];
  /** With `others: 'pass'`: the arguments not parsed, in order. */
  readonly rest: string[];
  /** Names of the options given, in command-line order, repeats included (for "--x needs --y" checks). */
  readonly given: (keyof S & string)[];
}

/**
 * Parses a sub-command's arguments: `--name value` and `--name=value` for string options, `--name` for booleans.
 * Use it for every `firebreak <command>` so they all read flags the same way.
 * Throws UsageError (the CLI prints it with the usage and exits 2): `--name needs a value` when the value is
 * missing or empty, `unknown option '--name'` for an option not in `options`, `--name takes no value` for
 * `--boolean=x`, or whatever a `check` throws.
 * Gotchas: the argument after a string option is always its value, even when it starts with `-` (so
 * `--out --all` sets out to `--all`); single-dash short options are not supported.
 */
export function parseArgv<const S extends OptionSpecs>(argv: readonly string[], spec: ArgvSpec<S>): ParsedArgv<S> {
  const others = spec.others ?? 'reject';
  const values: Record<string, string | string[] | true> = {};
  const positionals: string[] = [];
  const rest: string[] = [];
  const given: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--' && others !== 'reject') {
      if (others === 'pass') rest.push(...argv.slice(i));
      else positionals.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const name = flag.startsWith('--') ? flag.slice(2) : undefined;
    const option = name !== undefined && Object.hasOwn(spec.options, name) ? spec.options[name] : undefined;
    if (name === undefined || option === undefined) {
      if (others === 'pass') rest.push(arg);
      else if (others === 'positionals' && !arg.startsWith('-')) positionals.push(arg);
      else throw new UsageError(`unknown option '${flag}'`);
      continue;
    }
    if (option.type === 'boolean') {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      values[name] = true;
    } else {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
      option.check?.(value, flag);
      const previous = values[name];
      values[name] = option.multiple ? [...(Array.isArray(previous) ? previous : []), value] : value;
    }
    given.push(name);
  }
  return { values: values as OptionValues<S>, positionals, rest, given: given as (keyof S & string)[] };
}

/** A `check` for options that take one of a few words: `--approve: expected auto, require or deny, got 'x'`. */
export function oneOf(...choices: readonly string[]): (value: string, flag: string) => void {
  const expected = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)!}` : (choices[0] ?? '');
  return (value, flag) => {
    if (!choices.includes(value)) throw new UsageError(`${flag}: expected ${expected}, got '${value}'`);
  };
}

/** A `check` for TCP ports (0 picks a free one): `--port: expected a port number (0-65535), got 'x'`. */
export function portNumber(value: string, flag: string): void {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${flag}: expected a port number (0-65535), got '${value}'`);
}
