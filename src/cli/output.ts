// Where output goes, and how it gets there without destroying anything.
//
// `-o FILE` is resolved first, symbolic links followed hop by hop:
// - a regular file, or a name nothing has yet: written atomically — a temp file in the target's own
//   directory, flushed, given the old file's mode, renamed over it (readers see the old file or the
//   whole new one; a symbolic link stays a link and its target gets the report);
// - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: written to that descriptor, as the shell
//   opened it (a rename there would replace the file the shell redirected to, or fail);
// - anything else (a character device such as /dev/null, a FIFO, a socket): written straight into it;
// - `-`: standard output, as if -o were not given;
// - a directory, an empty name, or one of the command's own input files: refused (exit 2) before
//   any work is done.
// A failed write leaves neither a partial file nor a temp file.
//
// Standard output that the reader closed (`memprof run x.json | head -1`) is not an error: memprof
// stops writing to it and finishes with the exit status the command would have had anyway.
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { terminalText } from '../report/escape.js';
import { UsageError } from '../workload/errors.js';

/** The output file could not be written: the user's to fix (exit 2), not a bug. */
export class OutputError extends UsageError {}

export type OutputTarget =
  | { kind: 'stdout' }
  /** A descriptor the process already has (the shell's redirection). */
  | { kind: 'descriptor'; name: string; fd: number }
  /** A regular file (`mode`, `uid`, `gid` kept) or a new one: temp file + fsync + rename. */
  | { kind: 'file'; name: string; path: string; existing: { mode: number; uid: number; gid: number } | null }
  /** A device, FIFO or socket: opened and written as it is. */
  | { kind: 'device'; name: string; path: string };

/** Most symbolic links followed (Linux's own limit is 40). */
const MAX_LINKS = 40;

/** `/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`, `/proc/<our pid>/fd/1` → the descriptor. */
function descriptorOf(path: string): number | null {
  if (path === '/dev/stdin') return 0;
  if (path === '/dev/stdout') return 1;
  if (path === '/dev/stderr') return 2;
  const m = /^\/(?:dev|proc\/(?:self|thread-self|(\d+)))\/fd\/(\d+)$/.exec(path);
  if (m === null || (m[1] !== undefined && Number(m[1]) !== process.pid)) return null;
  return Number(m[2]);
}

function reasonOf(err: unknown): string {
  // "ENOENT: no such file or directory, open '/x/.y.tmp'": the path shown is not the one the user gave.
  return (err as Error).message.replace(/, \w+(?: '.*')?$/, '');
}

function cannotWrite(name: string, reason: string): OutputError {
  return new OutputError(`cannot write ${name}: ${reason}`);
}

/** What `-o` names, resolved; with `inputs`, refused when it is one of them. */
export async function outputTarget(output: string | undefined, inputs: readonly string[] = []): Promise<OutputTarget> {
  if (output === undefined || output === '-') return { kind: 'stdout' };
  if (output === '') throw new OutputError("-o '' names no file: name the file to write, or leave -o out for standard output");
  const target = await resolveOutput(output);
  if (target.kind === 'file' && target.existing !== null) await refuseInput(output, target.path, inputs);
  return target;
}

async function resolveOutput(name: string): Promise<OutputTarget> {
  let path = resolve(name);
  for (let links = 0; ; links++) {
    const fd = descriptorOf(path);
    if (fd !== null) return { kind: 'descriptor', name, fd };
    // The directory's real path, so that `..` in a link's target means what the kernel makes of it.
    let dir: string;
    try {
      dir = await realpath(dirname(path));
    } catch (err) {
      throw cannotWrite(name, reasonOf(err));
    }
    path = join(dir, basename(path));
    const fdInDir = descriptorOf(path);
    if (fdInDir !== null) return { kind: 'descriptor', name, fd: fdInDir };
    let info;
    try {
      info = await lstat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'file', name, path, existing: null };
      throw cannotWrite(name, reasonOf(err));
    }
    if (info.isSymbolicLink()) {
      if (links >= MAX_LINKS) throw cannotWrite(name, 'too many levels of symbolic links');
      path = resolve(dir, await readlink(path));
      continue;
    }
    if (info.isDirectory()) throw cannotWrite(name, 'it is a directory');
    if (info.isFile()) return { kind: 'file', name, path, existing: { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid } };
    return { kind: 'device', name, path };
  }
}

/** A typo such as `memprof run w.json -o w.json` must not replace the workload with its report. */
async function refuseInput(name: string, path: string, inputs: readonly string[]): Promise<void> {
  let out;
  try {
    out = await stat(path);
  } catch {
    return;
  }
  for (const input of inputs) {
    try {
      const info = await stat(input);
      if (info.dev === out.dev && info.ino === out.ino) {
        const same = input === name ? name : `${name}, which is ${input},`;
        throw new OutputError(`-o ${same} is an input of this command: refusing to overwrite it; name another output file`);
      }
    } catch (err) {
      if (err instanceof OutputError) throw err;
    }
  }
}

/** Writes `text` where `target` says; the notice `wrote NAME` goes to stderr (it survives --quiet). */
export async function writeOutput(target: OutputTarget, text: string): Promise<void> {
  switch (target.kind) {
    case 'stdout':
      writeStdout(text);
      return;
    case 'descriptor':
      await writeDescriptor(target, text);
      break;
    case 'file':
      await writeFileAtomic(target, text);
      break;
    case 'device':
      await writeDevice(target, text);
      break;
  }
  say(`memprof: wrote ${target.name}`);
}

async function writeDescriptor(target: Extract<OutputTarget, { kind: 'descriptor' }>, text: string): Promise<void> {
  if (target.fd === 1) return writeStdout(text);
  if (target.fd === 2) return writeStderr(text);
  // The descriptor stays open: it is the shell's, and stdout's own may follow it.
  const stream = createWriteStream('', { fd: target.fd, autoClose: false });
  try {
    await new Promise<void>((done, fail) => {
      stream.once('error', fail);
      stream.end(text, () => done());
    });
  } catch (err) {
    throw cannotWrite(target.name, reasonOf(err));
  }
}

async function writeDevice(target: Extract<OutputTarget, { kind: 'device' }>, text: string): Promise<void> {
  try {
    // No O_CREAT, no O_TRUNC: it exists, and it is not a file to replace.
    const handle = await open(target.path, constants.O_WRONLY);
    try {
      await handle.writeFile(text, 'utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw cannotWrite(target.name, reasonOf(err));
  }
}

/**
 * Readers see the old file or the whole new one, never a part: a temp file in the same directory
 * (same filesystem, so the rename is atomic), flushed, with the old file's mode (and owner, where
 * allowed), renamed over it; then the directory is flushed so the rename survives a crash.
 */
async function writeFileAtomic(target: Extract<OutputTarget, { kind: 'file' }>, text: string): Promise<void> {
  const dir = dirname(target.path);
  const temp = join(dir, `.memprof-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(temp, 'wx', target.existing?.mode ?? 0o666);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      if (target.existing !== null) {
        await handle.chmod(target.existing.mode);
        await handle.chown(target.existing.uid, target.existing.gid).catch(() => undefined);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target.path);
    created = false;
  } catch (err) {
    if (created) await unlink(temp).catch(() => undefined);
    throw cannotWrite(target.name, reasonOf(err));
  }
  const directory = await open(dir, 'r').catch(() => null);
  if (directory !== null) await directory.sync().catch(() => undefined).finally(() => directory.close());
}

// ---------------------------------------------------------------------------------------------
// Standard output and standard error

let stdoutClosed = false;
let stderrClosed = false;
let guarded = false;
/** A write error on stdout other than a closed pipe (a full disk behind `> file`): exit 2. */
let stdoutFailure: NodeJS.ErrnoException | null = null;

/**
 * From now on a closed stdout or stderr (EPIPE: the reader went away) silences that stream instead
 * of crashing with a stack trace; any other write error on stdout is kept for `stdoutError`.
 */
export function guardStandardStreams(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    stdoutClosed = true;
    if (err.code !== 'EPIPE' && stdoutFailure === null) stdoutFailure = err;
  });
  process.stderr.on('error', () => {
    stderrClosed = true;
  });
}

/** The report or a result line to stdout; nothing once the reader has gone. */
export function writeStdout(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}

/** One line of a message to stderr, with any workload string in it escaped (../report/escape.ts). */
export function say(line: string): void {
  if (!stderrClosed) process.stderr.write(`${terminalText(line)}\n`);
}

/** Text for stderr as it is: a report written with `-o /dev/stderr`. */
function writeStderr(text: string): void {
  if (!stderrClosed) process.stderr.write(text);
}

/** Standard output could not be written for a reason other than a closed pipe. */
export function stdoutError(): string | null {
  return stdoutFailure === null ? null : `cannot write to standard output: ${reasonOf(stdoutFailure)}`;
}
