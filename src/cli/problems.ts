// Input problems as the user reads them: one line each, naming the file, where in it, what is wrong
// and what to do.
//
//   bad.json:3:14: invalid JSON: expected ',' or '}' after a property value
//   trace.ndjson: line 14: to: expected string, received number
//   bad.json: events[12].to: expected string, received number
//   bad.json: event 5 (events[3].body[1], i=2) at app.py:6 "holder.s = seed": unknown object 'seed2'. Allocate it ….
import { terminalText } from '../report/escape.js';
import { WorkloadError, WorkloadErrors } from '../workload/errors.js';

/** Longest source text quoted in a message; longer text ends with `…`. */
export const MAX_SOURCE_TEXT = 60;

/** A reason or hint written over several lines reads as one. */
function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ');
}

function quoteSource(text: string): string {
  const t = terminalText(text.trim());
  return t.length > MAX_SOURCE_TEXT ? `${t.slice(0, MAX_SOURCE_TEXT - 1)}…` : t;
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function formatWorkloadError(e: WorkloadError): string {
  const loc = e.location;
  let where = loc.file;
  if (loc.position !== undefined) where += loc.position.startsWith('line ') ? `: ${loc.position}` : `:${loc.position}`;
  if (loc.eventIndex !== undefined) {
    let event = `event ${loc.eventIndex}`;
    const context: string[] = [];
    if (loc.path) context.push(loc.path);
    if (loc.iterations && loc.iterations.length > 0) {
      context.push(loc.iterations.map((it) => `${it.var}=${it.index}`).join(', '));
    }
    if (context.length > 0) event += ` (${context.join(', ')})`;
    if (loc.sourceLine !== undefined) {
      event += loc.sourceFile ? ` at ${loc.sourceFile}:${loc.sourceLine}` : ` at line ${loc.sourceLine}`;
      if (loc.sourceText && loc.sourceText.trim() !== '') event += ` "${quoteSource(loc.sourceText)}"`;
    }
    where += `: ${event}`;
  } else if (loc.path) {
    where += `: ${loc.path}`;
  }
  let message = `${where}: ${oneLine(e.reason)}`;
  if (e.hint) message = `${sentence(message)} ${sentence(oneLine(e.hint))}`;
  // File names, ids and source text come from the workload: a message shows them, escaped, on one
  // line (src/report/escape.ts), never a control character a terminal or a CI log would act on.
  return terminalText(message);
}

export function formatWorkloadErrors(e: WorkloadErrors): string[] {
  return e.errors.map(formatWorkloadError);
}

/** The lines to print for an input problem, or null when `e` is not one (a bug: exit code 3). */
export function formatInputProblem(e: unknown): string[] | null {
  if (e instanceof WorkloadErrors) return formatWorkloadErrors(e);
  if (e instanceof WorkloadError) return [formatWorkloadError(e)];
  return null;
}
