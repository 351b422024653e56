// Entry point: parses the command line and returns the exit code.
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`memprof: ${argv.join(' ')}\n`);
  return 0;
}
