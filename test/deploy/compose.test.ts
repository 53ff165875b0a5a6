/**
 * There is no container engine here, so the stack is proved by reading it: docker-compose.yml,
 * the Dockerfile and .env.example are parsed and held against the project they deploy (its
 * scripts, its files, the variables its code reads, its search attributes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../core/vocabulary.js';
import { execForm, parseDockerfile, type Dockerfile } from './dockerfile.js';
import { envconfigVariables, envReadsInSource } from './env-reads.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface HealthCheck {
  test?: string[] | string;
}

interface Service {
  image?: string;
  build?: string | { context?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: HealthCheck;
  volumes?: string[];
  ports?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

interface PackageJson {
  scripts: Record<string, string>;
}

interface TsConfig {
  compilerOptions?: { outDir?: string; rootDir?: string; noEmit?: boolean };
  include?: string[];
}

let composeText: string;
let compose: ComposeFile;
let dockerfile: Dockerfile;
let pkg: PackageJson;

beforeAll(() => {
  composeText = read('docker-compose.yml');
  // `merge` resolves the `<<: *anchor` keys, as compose does.
  compose = parseYaml(composeText, { merge: true }) as ComposeFile;
  dockerfile = parseDockerfile(read('Dockerfile'));
  pkg = JSON.parse(read('package.json')) as PackageJson;
});

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function environment(s: Service): Record<string, string> {
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(
      s.environment.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
}

function argv(s: Service): string[] {
  if (s.command === undefined) return [];
  return Array.isArray(s.command) ? s.command : s.command.split(/\s+/);
}

function dependencies(s: Service): Record<string, string> {
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([d, c]) => [d, c.condition ?? 'service_started']));
}

/** A tag that names a release (`16.9`, `1.29.1`, `1.29.1-tctl-…`), not `latest` or a bare major. */
function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag !== undefined && !/\$/.test(tag) && /^v?\d+\.\d+(\.\d+)?([-.]\S*)?$/.test(tag);
}

/** `${VAR}`, `${VAR:-x}`, `${VAR:?msg}` in the compose file; `$${VAR}` is escaped for the container's shell. */
function interpolated(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)(?::?[-?+][^}]*)?\}/g)].map((m) => m[1] ?? ''));
}

function envExampleNames(): Set<string> {
  return new Set(
    read('.env.example')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
      .filter((name): name is string => name !== undefined),
  );
}

/** What `npm run build` emits for a source file, by tsconfig.build.json's rootDir/outDir. */
function builtFrom(distPath: string): string {
  const build = JSON.parse(read('tsconfig.build.json')) as TsConfig;
  const outDir = (build.compilerOptions?.outDir ?? '').replace(/^\.\//, '').replace(/\/$/, '');
  const rootDir = (build.compilerOptions?.rootDir ?? '.').replace(/^\.\/?/, '').replace(/\/$/, '');
  expect(distPath.startsWith(`${outDir}/`), `${distPath} is not under the build's outDir ${outDir}`).toBe(true);
  const relative = distPath.slice(outDir.length + 1).replace(/\.js$/, '.ts');
  return rootDir === '' ? relative : `${rootDir}/${relative}`;
}

const PROJECT_SERVICES = ['worker', 'slack-bridge'] as const;

describe('docker-compose.yml', () => {
  it('has Temporal on PostgreSQL with a volume, the Web UI, the search-attribute setup, the worker and the Slack bridge', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'postgresql',
      'slack-bridge',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);

    const postgres = service('postgresql');
    expect(postgres.image).toMatch(/^postgres:/);
    const dataVolume = (postgres.volumes ?? []).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(dataVolume, 'PostgreSQL keeps its data in a named volume').toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume?.split(':')[0]);

    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/(auto-setup|server):/);
    expect(environment(temporal).DB).toMatch(/^postgres/);
    expect(environment(temporal).POSTGRES_SEEDS).toBe('postgresql');

    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(environment(service('temporal-ui')).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('pins every image to a release tag, its own included', () => {
    const images = Object.entries(compose.services).map(([name, s]) => [name, s.image ?? ''] as const);
    for (const [name, image] of images.filter(
      ([name]) => !PROJECT_SERVICES.includes(name as (typeof PROJECT_SERVICES)[number]),
    )) {
      expect(isPinned(image), `${name}: ${image}`).toBe(true);
    }
    for (const name of PROJECT_SERVICES) {
      // Built from this repository's Dockerfile, never pulled from somewhere else.
      expect(service(name).build, name).toBe('.');
    }
    for (const stage of dockerfile.stages.filter((s) => !dockerfile.stages.some((other) => other.name === s.image))) {
      expect(isPinned(stage.image), `Dockerfile FROM ${stage.image}`).toBe(true);
    }
  });

  it('starts in order: database, Temporal, search attributes, then the worker and the bridge, each on a health check or completion', () => {
    const expected: Record<string, Record<string, string>> = {
      postgresql: {},
      temporal: { postgresql: 'service_healthy' },
      'temporal-setup': { temporal: 'service_healthy' },
      'temporal-ui': { temporal: 'service_healthy' },
      worker: { 'temporal-setup': 'service_completed_successfully' },
      'slack-bridge': { 'temporal-setup': 'service_completed_successfully' },
    };
    for (const [name, deps] of Object.entries(expected)) expect(dependencies(service(name)), name).toEqual(deps);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dep, condition] of Object.entries(dependencies(s))) {
        if (condition === 'service_healthy')
          expect(service(dep).healthcheck?.test, `${name} waits for ${dep}'s health check`).toBeDefined();
      }
    }
  });

  it("registers exactly the project's search attributes with their types", () => {
    const setup = service('temporal-setup');
    const args = argv(setup);
    expect(args.slice(0, 4)).toEqual(['temporal', 'operator', 'search-attribute', 'create']);
    const pairs: Record<string, string> = {};
    const names = args.flatMap((a, i) => (a === '--name' ? [args[i + 1] ?? ''] : []));
    const types = args.flatMap((a, i) => (a === '--type' ? [args[i + 1] ?? ''] : []));
    names.forEach((name, i) => (pairs[name] = types[i] ?? ''));
    expect(pairs).toEqual(SEARCH_ATTRIBUTES);
    expect(environment(setup).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('runs only commands the project has: built entry points of existing sources', () => {
    expect(pkg.scripts.build, 'package.json has a build script').toBeDefined();
    for (const name of PROJECT_SERVICES) {
      const [program, entry = ''] = argv(service(name));
      expect(program, name).toBe('node');
      const source = builtFrom(entry);
      expect(existsSync(join(root, source)), `${name} runs ${entry}, built from ${source}`).toBe(true);
    }
  });

  it('sets for the worker and the bridge only variables their code reads', () => {
    const read = new Set([...envReadsInSource(root), ...envconfigVariables(root)]);
    for (const name of PROJECT_SERVICES) {
      for (const variable of Object.keys(environment(service(name)))) {
        expect(read.has(variable), `${name} sets ${variable}, which no code reads`).toBe(true);
      }
    }
    // The worker's essentials, not just any subset.
    expect(Object.keys(environment(service('worker')))).toEqual(
      expect.arrayContaining(['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'ISTIO_UPGRADE_TASK_QUEUE', 'KUBECONFIG']),
    );
  });

  it('takes every setting from the env file, and .env.example declares exactly those', () => {
    expect(envExampleNames()).toEqual(interpolated(composeText));
    const gitignore = read('.gitignore').split('\n');
    expect(gitignore, '.env holds secrets: git-ignored').toContain('.env');
    expect(read('.dockerignore').split('\n'), 'and never in the build context').toContain('.env');
  });
});

describe('Dockerfile', () => {
  const runtime = () => {
    const last = dockerfile.stages.at(-1);
    if (last === undefined) throw new Error('no stage');
    return last;
  };
  const stageRunning = (pattern: RegExp) =>
    dockerfile.stages.find((s) => s.instructions.some((i) => i.keyword === 'RUN' && pattern.test(i.args)));

  it('ships git in the image it runs, for the GitOps owner, and leaves no package lists behind', () => {
    const installs = runtime().instructions.filter((i) => i.keyword === 'RUN' && /apt-get install/.test(i.args));
    expect(installs.some((i) => /\bgit\b/.test(i.args) && /rm -rf \/var\/lib\/apt\/lists/.test(i.args))).toBe(true);
  });

  it('is multi-stage and the image it ships runs as a non-root user', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const users = runtime().instructions.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)?.args).not.toMatch(/^(root|0)(:|$)/);
  });

  it('ships production dependencies only and the built JavaScript, no sources or dev tools', () => {
    const prodDeps = stageRunning(/npm ci\b.*--omit=dev/);
    const build = stageRunning(/npm run build\b/);
    expect(prodDeps?.name).toBeTruthy();
    expect(build?.name).toBeTruthy();
    expect(prodDeps?.instructions.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args))).toBe(false);

    const copies = runtime().instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.some((c) => c.args.includes(`--from=${prodDeps?.name ?? '?'}`) && /node_modules/.test(c.args))).toBe(
      true,
    );
    expect(copies.some((c) => c.args.includes(`--from=${build?.name ?? '?'}`) && /\/dist\b/.test(c.args))).toBe(true);
    const fromContext = copies.filter((c) => !c.args.includes('--from='));
    for (const copy of fromContext) {
      expect(copy.args, 'only package.json comes from the context into the runtime image').toMatch(/^package\.json\s/);
    }
    expect(runtime().instructions.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args))).toBe(false);
  });

  it('copies only paths that exist and runs scripts package.json has', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
        const sources = copy.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1);
        for (const source of sources) expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
      }
      for (const run of stage.instructions.filter((i) => i.keyword === 'RUN')) {
        for (const m of run.args.matchAll(/npm run (\S+)/g))
          expect(pkg.scripts[m[1] ?? ''], `npm run ${m[1] ?? ''}`).toBeDefined();
      }
    }
    const cmd = runtime()
      .instructions.filter((i) => i.keyword === 'CMD')
      .at(-1);
    const [program, entry = ''] = execForm(cmd?.args ?? '[]');
    expect(program).toBe('node');
    expect(existsSync(join(root, builtFrom(entry))), `CMD ${entry}`).toBe(true);
  });

  it('compiles every production folder the worker and the bridge import', () => {
    const build = stageRunning(/npm run build\b/);
    const copied = (build?.instructions ?? [])
      .filter((i) => i.keyword === 'COPY')
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const dir of ['core', 'activities', 'workflows', 'worker', 'client']) expect(copied, dir).toContain(dir);
    expect(copied).toContain('tsconfig.build.json');
  });
});
