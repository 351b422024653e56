// `memprof plot <workload|report.json>`: the memory-over-time chart alone, like `mprof plot`.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { renderChart } from '../report/chart.js';
import { reportSchema, type Report } from '../model/report.js';
import { markdownFence, terminalSafe } from '../report/escape.js';
import { WorkloadError } from '../workload/errors.js';
import { issueErrors, loadWorkload, parseWorkloadJson, readError, workloadFromObject } from '../workload/load.js';
import {
  checkWorkloadFile,
  emit,
  prepareOutput,
  renderOptions,
  replay,
  requireFileNames,
} from './common.js';
import type { PlotArgs } from './commands/plot.js';

/** A document that says it is a memprof report (`"tool": "memprof"`) rather than a workload. */
function claimsToBeReport(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as { tool?: unknown }).tool === 'memprof';
}

/**
 * A saved report, checked against the report schema (src/model/report.ts) before anything reads it:
 * a report.json comes from anywhere (an artifact of another job, a pull request), so a bad one is
 * named as such, never drawn half. Every workload string in it is escaped for the terminal.
 */
function savedReport(document: unknown, file: string): Report {
  const parsed = reportSchema.safeParse(document);
  if (!parsed.success) {
    const first = issueErrors(parsed.error.issues, document, file)[0]!;
    throw new WorkloadError(
      { file, ...(first.location.path !== undefined ? { path: first.location.path } : {}) },
      `not a report memprof can draw: ${first.reason}`,
      'plot reads the JSON written by "memprof run --format json", or a workload',
    );
  }
  return terminalSafe(parsed.data);
}

/** A `.json` file is read and parsed once: a memprof report is drawn as is, anything else is a workload. */
async function reportOf(args: PlotArgs): Promise<Report> {
  await checkWorkloadFile(args.file);
  const ext = extname(args.file).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') {
    return (await replay(await loadWorkload(args.file), args)).report;
  }
  let text: string;
  try {
    text = await readFile(args.file, 'utf8');
  } catch (err) {
    throw readError(args.file, err);
  }
  const document = parseWorkloadJson(text, args.file);
  if (claimsToBeReport(document)) return savedReport(document, args.file);
  return (await replay(workloadFromObject(document, args.file), args)).report;
}

export async function plot(args: PlotArgs): Promise<void> {
  requireFileNames([args.file]);
  const output = await prepareOutput(args, [args.file]);
  // A replayed report is escaped here too: the chart's caret names the peak's file.
  const report = terminalSafe(await reportOf(args));
  const chart = renderChart(report, renderOptions(args, args.format), { width: args.width, height: args.height });
  await emit(args.format === 'markdown' ? markdownFence(chart) : chart, output);
}
