export { specSchema, workloadTestSchema } from './schema.js';
export type { Spec, SpecInput, WorkloadTest, InstallMethod, DataPlaneMode, Strategy } from './schema.js';
export { parseSpec, formatProblems } from './parse.js';
export type { SpecProblem, SpecResult } from './parse.js';
export { parseDuration, formatDuration } from './duration.js';
