#!/usr/bin/env node
import { finalExitCode, main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Writes to stdout finish after main returns; a failed one (not a closed pipe) still counts.
  process.once('exit', () => {
    process.exitCode = finalExitCode(code);
  });
});
