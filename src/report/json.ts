// `--format json`: the Report itself, for machines (docs/model.md, Reports). Bytes everywhere, no units.
import type { Report } from '../model/report.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
