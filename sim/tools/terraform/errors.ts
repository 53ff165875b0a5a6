/**
 * A failure the terraform stand-in reports the way Terraform does: a diagnostic box on stderr
 * (`╷ │ Error: <summary> │ <detail> ╵`) and exit code 1, so the activities parse what they
 * would parse from the real binary.
 */
export class TerraformError extends Error {
  constructor(
    readonly summary: string,
    readonly detail = '',
  ) {
    super(detail === '' ? summary : `${summary}: ${detail}`);
    this.name = 'TerraformError';
  }
}

/** Terraform's diagnostic rendering without colour. */
export function diagnostic(summary: string, detail: string): string {
  const lines = ['', `Error: ${summary}`, '', ...(detail === '' ? [] : detail.split('\n'))];
  return `╷\n${lines.map((line) => (line === '' ? '│ ' : `│ ${line}`)).join('\n')}\n╵\n`;
}
