// `memprof check --format junit`: a JUnit XML report, one test case per workload, for the test
// views of CI services. A limit exceeded is a <failure>; an invalid workload or an internal error is
// an <error>. No timings: the document depends on the workloads only.
import type { CheckReport, CheckResult } from '../model/report.js';
import { figureText, leakDetails, renderCheckLine, workloadTitle } from './checkText.js';
import type { RenderOptions } from './units.js';
import { terminalSafe } from './escape.js';

/** XML 1.0 text and attribute values: the five entities, and no characters XML cannot carry. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testCase(r: CheckResult, options: RenderOptions): string {
  const open = `    <testcase classname="memprof.check" name="${xmlEscape(workloadTitle(r))}" file="${xmlEscape(r.file)}">`;
  const output = `      <system-out>${xmlEscape(renderCheckLine(r, options))}</system-out>`;
  switch (r.status) {
    case 'pass':
      return `${open}\n${output}\n    </testcase>`;
    case 'fail': {
      const message = r.violations.map((v) => figureText(r, v.limit, options)).join('; ');
      const body = leakDetails(r, options).join('\n');
      return `${open}\n      <failure type="limit" message="${xmlEscape(message)}">${xmlEscape(body)}</failure>\n${output}\n    </testcase>`;
    }
    case 'invalid':
    case 'error': {
      const type = r.status === 'invalid' ? 'invalid workload' : 'internal error';
      return `${open}\n      <error type="${type}" message="${xmlEscape(r.problems[0] ?? '')}">${xmlEscape(r.problems.join('\n'))}</error>\n    </testcase>`;
    }
  }
}

/** Workload strings are escaped for a terminal first (CI views show them), then for XML. */
export function renderJunit(workloadReport: CheckReport, options: RenderOptions): string {
  const report = terminalSafe(workloadReport);
  const plain: RenderOptions = { ...options, color: false };
  const s = report.summary;
  const counts = `tests="${s.workloads}" failures="${s.failed}" errors="${s.invalid + s.errors}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="memprof check" ${counts}>`,
    `  <testsuite name="memprof check" ${counts} skipped="0">`,
    ...report.results.map((r) => testCase(r, plain)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
