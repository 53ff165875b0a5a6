/**
 * Command-line flags parsed the way pflag (used by istioctl and helm) parses them: `--name=v`,
 * `--name v`, `-n v`, `-nv`, booleans that take no value unless written `--flag=false`, and `--`
 * ending the flags. An undeclared flag fails with pflag's own wording.
 */
import { ToolError } from './tool-error.js';

export type FlagKind = 'bool' | 'string' | 'strings';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  help: string;
  /** Shown in --help; the parser itself never fills defaults. */
  defaultText?: string;
}

export interface ParsedFlags {
  positionals: string[];
  bools: Map<string, boolean>;
  strings: Map<string, string[]>;
}

export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short ?? '', s]));
  const out: ParsedFlags = { positionals: [], bools: new Map(), strings: new Map() };
  const set = (spec: FlagSpec, value: string | undefined, shown: string): void => {
    if (spec.kind === 'bool') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new ToolError(
          `invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
        );
      }
      out.bools.set(spec.name, value !== 'false');
      return;
    }
    if (value === undefined) throw new ToolError(`flag needs an argument: ${shown}`);
    out.strings.set(spec.name, spec.kind === 'strings' ? [...(out.strings.get(spec.name) ?? []), value] : [value]);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = byName.get(name);
      if (!spec) throw new ToolError(`unknown flag: --${name}`);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      const value = inline ?? (spec.kind === 'bool' ? undefined : args[++i]);
      set(spec, value, `--${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg[1] ?? '';
      const spec = byShort.get(letter);
      if (!spec) throw new ToolError(`unknown shorthand flag: '${letter}' in ${arg}`);
      const rest = arg.slice(2).replace(/^=/, '');
      if (spec.kind === 'bool') set(spec, rest === '' ? undefined : rest, `-${letter}`);
      else set(spec, rest === '' ? args[++i] : rest, `-${letter}`);
    } else {
      out.positionals.push(arg);
    }
  }
  return out;
}

/** Typed reads of parsed flags; the last occurrence of a single-valued flag wins, as in pflag. */
export class Flags {
  constructor(private readonly parsed: ParsedFlags) {}

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  bool(name: string): boolean {
    return this.parsed.bools.get(name) ?? false;
  }

  string(name: string): string | undefined {
    return this.parsed.strings.get(name)?.at(-1);
  }

  strings(name: string): string[] {
    return this.parsed.strings.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.parsed.bools.has(name) || this.parsed.strings.has(name);
  }
}

/**
 * Where the command path ends: cobra finds subcommands among the words that are neither flags
 * nor a flag's value, so `istioctl --kubeconfig k tag set x` still runs `tag set`.
 */
export function splitCommand(
  args: readonly string[],
  specs: readonly FlagSpec[],
  isCommand: (path: string[]) => boolean,
): { path: string[]; rest: string[] } {
  const takesValue = (arg: string): boolean => {
    if (arg.includes('=')) return false;
    const spec = arg.startsWith('--')
      ? specs.find((s) => s.name === arg.slice(2))
      : arg.length === 2
        ? specs.find((s) => s.short === arg[1])
        : undefined;
    return spec !== undefined && spec.kind !== 'bool';
  };
  const path: string[] = [];
  const rest: string[] = [];
  let positionalSeen = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      rest.push(arg);
      if (takesValue(arg) && i + 1 < args.length) rest.push(args[++i] ?? '');
    } else if (!positionalSeen && isCommand([...path, arg])) {
      path.push(arg);
    } else {
      positionalSeen = true;
      rest.push(arg);
    }
  }
  return { path, rest };
}
