/**
 * Parses `istioctl x precheck`: one line per finding (`Warning [IST0144] (Pod ns/name) …`).
 * The project's own prechecks cover the upgrade-note hazards this tool does not see; this
 * adds what only istioctl knows.
 */
export interface PrecheckFinding {
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

export interface PrecheckReport {
  /** No Error-level finding and no "Issues found" verdict. */
  passed: boolean;
  findings: PrecheckFinding[];
}

const FINDING = /^(Error|Warning|Info) \[(IST\d+)\]\s*(.*)$/;

export function parsePrecheck(output: string): PrecheckReport {
  const findings: PrecheckFinding[] = [];
  let issuesFound = false;
  for (const line of output.split('\n').map((l) => l.trim())) {
    const match = FINDING.exec(line);
    if (match !== null)
      findings.push({ level: match[1] as PrecheckFinding['level'], code: match[2] ?? '', message: match[3] ?? '' });
    else if (/^Error: Issues found/.test(line)) issuesFound = true;
  }
  return { passed: !issuesFound && findings.every((f) => f.level !== 'Error'), findings };
}
