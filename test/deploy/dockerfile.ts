/**
 * Just enough of a Dockerfile parser for the deploy tests: instructions with their line
 * continuations joined, grouped by build stage, with ARG defaults substituted in FROM lines.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The image after ARG substitution, e.g. `node:20.19.5-bookworm-slim`. */
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending !== '') lines.push(pending.trim());
  return lines;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    const current = stages.at(-1);
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      const resolved = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs[arg] ?? `\${${arg}}`);
      stages.push({
        image: resolved,
        name: as?.toUpperCase() === 'AS' && name !== undefined ? name : null,
        instructions: [],
      });
    } else if (current === undefined) {
      if (keyword === 'ARG') {
        const [arg = '', value = ''] = args.split('=');
        globalArgs[arg] = value;
      }
    } else {
      current.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** The exec form of CMD/ENTRYPOINT (`["node", "x.js"]`) as an argv. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string'))
    throw new Error(`not an exec form: ${args}`);
  return parsed;
}
