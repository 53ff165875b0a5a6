/**
 * Reads the simulator's metrics the way Prometheus does (the text format) and answers the
 * questions the tests ask: the sum of a metric's series matching some labels, and how much it
 * grew between two scrapes.
 */
import type { Sim } from '../../../sim/index.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type Scrape = Sample[];

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k = '', v = ''] of (m[2] ?? '').matchAll(LABEL)) labels[k] = v.replace(/\\(.)/g, '$1');
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return samples;
}

export async function scrape(sim: Sim): Promise<{ samples: Scrape; contentType: string | null }> {
  const res = await fetch(sim.metricsUrl);
  if (res.status !== 200) throw new Error(`GET ${sim.metricsUrl}: ${res.status}`);
  return { samples: parseExposition(await res.text()), contentType: res.headers.get('content-type') };
}

export async function samples(sim: Sim): Promise<Scrape> {
  return (await scrape(sim)).samples;
}

export function matching(s: Scrape, name: string, labels: Record<string, string> = {}): Sample[] {
  return s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
}

export function total(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  return matching(s, name, labels).reduce((sum, x) => sum + x.value, 0);
}

/** How much the matching series grew from one scrape to the next. */
export function growth(before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  return total(after, name, labels) - total(before, name, labels);
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
