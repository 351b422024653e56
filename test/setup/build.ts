// Builds the CLI once before any suite runs: the CLI tests spawn bin/memprof.js, which loads dist/.
import { execFileSync } from 'node:child_process';

export default function build(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
}
