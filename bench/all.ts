/**
 * `npm run bench`: the three benchmarks one after the other, each in a process of its own as its
 * own npm script runs it, then the wall time of each part, so the 25-minute budget of the whole
 * run is measured, not guessed. `npm run bench -- --quick` passes `--quick` to every part (npm
 * hands the arguments after `--` to the last command of a script only, hence this runner).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const flags = values.quick ? ['--quick'] : [];

const parts = [
  { name: 'bench:sim', file: 'sim-scale.ts' },
  { name: 'bench:activities', file: 'activities-restart.ts' },
  { name: 'bench:upgrade', file: 'upgrade-scale.ts' },
];

function runPart(file: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...flags], {
    stdio: 'inherit',
  });
  // Interrupted, the runner takes the part with it (each part stops its own servers on SIGINT/SIGTERM).
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.once('SIGINT', forward);
  process.once('SIGTERM', forward);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 1);
    }),
  );
}

const times: string[] = [];
const started = performance.now();
for (const part of parts) {
  const from = performance.now();
  console.error(`${new Date().toISOString()} ${part.name}${values.quick ? ' --quick' : ''}…`);
  const code = await runPart(part.file);
  times.push(`${part.name} ${Math.round((performance.now() - from) / 1000)} s${code === 0 ? '' : ` (exit ${code})`}`);
  if (code !== 0) {
    console.error(`${part.name} failed (exit ${code}); the parts after it did not run. ${times.join(', ')}`);
    process.exit(code);
  }
}
console.log(
  `npm run bench${values.quick ? ' -- --quick' : ''}: ${times.join(', ')}; ${Math.round((performance.now() - started) / 1000)} s in all`,
);
