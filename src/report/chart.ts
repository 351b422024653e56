// Memory over time in the terminal (what `mprof plot` draws), from the report's timeline.
// Columns are evenly spaced in time; a column shows the *max* of the samples that fall in it, so
// the peak is always drawn however many samples are merged.
import asciichart from 'asciichart';
import type { Report, TimelinePoint } from '../model/report.js';
import { DEFAULT_CHART_SIZE, type ChartSize } from './chartSize.js';
import { chooseUnit, formatBytes, type RenderOptions, type Unit } from './units.js';

const ANSI_CYAN = '\x1b[36m';
const ANSI_YELLOW = '\x1b[33m';
const ANSI_RED = '\x1b[31m';
const ANSI_MAGENTA = '\x1b[35m';
const ANSI_RESET = '\x1b[0m';

const OUT_OF_RANGE = '(memory figures out of range: no chart)\n';

/** Scaled values below this are drawn as they are (see the shift in renderChart). */
const ROW_LIMIT = 2 ** 40;

/** A clock value as a person writes it (`12.5`, never `12.500000000000002`). */
export function formatTime(t: number): string {
  return String(Number(t.toPrecision(6)));
}

/** The timeline merged into `columns` columns (time-spaced), plus where each time lands. */
interface Columns {
  values: number[];
  columnOf(t: number): number;
}

/** The series drawn: the live bytes, and with a memory model its RSS. */
const liveBytes = (p: TimelinePoint): number => p.max;
const liveEnd = (p: TimelinePoint): number => p.bytes;
const modelRss = (p: TimelinePoint): number => p.rss ?? 0;

/**
 * The timeline in `columns` columns. A column shows the highest memory of its samples, so that a
 * peak is never lost; but a rise and fall within one column smaller than `rowBytes` (one row of the
 * chart) shows the memory the column ended with instead. Such a blip only moves the line when it
 * crosses a row boundary, and then it reads as a dip in the next column where memory never fell.
 */
function toColumns(points: TimelinePoint[], columns: number, high = liveBytes, end = liveEnd, rowBytes = 0): Columns {
  const t0 = points[0]!.t;
  const span = points[points.length - 1]!.t - t0;
  const last = columns - 1;
  const columnOf = (t: number): number =>
    span > 0 ? Math.min(last, Math.max(0, Math.round(((t - t0) * last) / span))) : 0;
  const values = new Array<number>(columns).fill(Number.NaN);
  const endBytes = new Array<number>(columns).fill(Number.NaN);
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    // With no clock span (every sample at one time) the samples are spread by index instead.
    const c = span > 0 ? columnOf(point.t) : points.length > 1 ? Math.round((i * last) / (points.length - 1)) : 0;
    values[c] = Number.isNaN(values[c]!) ? high(point) : Math.max(values[c]!, high(point));
    endBytes[c] = end(point);
  }
  // A column no sample fell in shows the memory the previous column ended with: nothing changed.
  for (let c = 1; c < columns; c++) {
    if (Number.isNaN(values[c]!)) {
      values[c] = endBytes[c - 1]!;
      endBytes[c] = endBytes[c - 1]!;
    }
  }
  if (rowBytes > 0) {
    let top = -Infinity;
    for (const v of values) if (v > top) top = v;
    let start = end(points[0]!);
    for (let c = 0; c < columns; c++) {
      const settled = Math.max(start, endBytes[c]!);
      if (values[c]! !== top && values[c]! - settled < rowBytes) values[c] = endBytes[c]!;
      start = endBytes[c]!;
    }
  }
  return { values, columnOf };
}

/** How the modelled RSS is drawn where the live line is not. */
export const RSS_DOT = '·';

/** One row of the chart from the live series' row and the RSS series' (both plain, same axis):
 * the live line where it is drawn, else a dot where the RSS line is. */
function mergeSeries(live: string, rss: string, prefix: number, options: RenderOptions): string {
  // Columns up to the axis (at `prefix`) are the label's.
  const start = prefix + 1;
  let row = live.slice(0, start);
  const width = Math.max(live.length, rss.length);
  for (let i = start; i < width; i++) {
    const l = live[i] ?? ' ';
    const m = rss[i] ?? ' ';
    if (l !== ' ') row += paint(l, ANSI_CYAN, options);
    else if (m !== ' ') row += paint(RSS_DOT, ANSI_MAGENTA, options);
    else row += ' ';
  }
  return row;
}

function paint(text: string, ansi: string, options: RenderOptions): string {
  return options.color ? `${ansi}${text}${ANSI_RESET}` : text;
}

/** The chart, the GC-pass marker row, the peak caret and the time axis; ends with a newline. */
export function renderChart(report: Report, options: RenderOptions, size: ChartSize = DEFAULT_CHART_SIZE): string {
  const points = report.timeline;
  if (points.length === 0) return '(no memory samples)\n';

  const withRss = report.memory !== undefined;
  // A figure no replay should produce (a report file's, or NaN from a bug) has no row to go on.
  for (const p of points) {
    if (!Number.isFinite(p.max) || !Number.isFinite(p.bytes) || (withRss && !Number.isFinite(modelRss(p)))) return OUT_OF_RANGE;
  }
  let high = points[0]!.max;
  let low = points[0]!.max;
  for (const point of points) {
    high = Math.max(high, point.max, withRss ? modelRss(point) : 0);
    low = Math.min(low, point.max, withRss ? modelRss(point) : Infinity);
  }
  const unit: Unit = chooseUnit(options.unit, Math.max(high, report.summary.peakBytes));
  const label = (bytes: number): string => formatBytes(bytes, unit, options.precision);
  // Every row's label, as asciichart computes them (a figure that would round to zero is written in
  // a smaller unit, so a middle row's label may be the widest).
  let labelWidth = 0;
  for (let r = 0; r < size.height; r++) labelWidth = Math.max(labelWidth, label(low + ((high - low) * r) / Math.max(1, size.height - 1)).length);
  const prefix = labelWidth + 1;
  const room = Math.max(2, size.width - prefix);
  let columns = Math.min(points.length, room);
  const rowBytes = (high - low) / Math.max(1, size.height - 1);
  let { values, columnOf } = toColumns(points, columns, liveBytes, liveEnd, rowBytes);
  // The last column shows the max of its samples; when memory fell within it (the final `del`),
  // one more column shows where it ended, or the chart would end at its highest.
  const end = points[points.length - 1]!.bytes;
  if (values[columns - 1] !== end) {
    if (columns === room) ({ values, columnOf } = toColumns(points, --columns, liveBytes, liveEnd, rowBytes));
    values.push(end);
  }

  // The modelled RSS holds what the allocator keeps after frees: it ends where the pools ended.
  const rssValues = withRss ? toColumns(points, columns, modelRss, modelRss).values : [];
  if (withRss && rssValues.length < values.length) rssValues.push(modelRss(points[points.length - 1]!));
  const rows = size.height - 1;
  let seriesHigh = -Infinity;
  let seriesLow = Infinity;
  for (const v of [...values, ...rssValues]) {
    if (v > seriesHigh) seriesHigh = v;
    if (v < seriesLow) seriesLow = v;
  }
  if (!Number.isFinite(seriesHigh - seriesLow)) return OUT_OF_RANGE;
  const ratio = seriesHigh !== seriesLow ? rows / (seriesHigh - seriesLow) : 1;
  // asciichart counts its rows up from round(low × ratio) with `++y`; beyond 2^53 that no longer
  // moves and its loop never ends. Large figures over a small range (2^52 bytes ± a few) are drawn
  // from their low instead — the same picture, except that a row may round differently — and the
  // labels add the low back. Figures drawn as they are (every one so far) keep asciichart's rows.
  const shift = Math.max(Math.abs(seriesHigh), Math.abs(seriesLow)) * ratio < ROW_LIMIT ? 0 : seriesLow;
  const drawn = (series: number[]): number[] => (shift === 0 ? series : series.map((v) => v - shift));
  const format = (x: number): string => `${label(x + shift).padStart(labelWidth)} `;
  let out: string[];
  if (withRss) {
    // Two series in one chart: the live bytes as asciichart draws them, the modelled RSS as dots
    // wherever the live line is not, so that they are told apart without colour (a file, a CI log).
    const range = { height: rows, offset: 2, format, min: seriesLow - shift, max: seriesHigh - shift };
    const live = asciichart.plot(drawn(values), range).split('\n');
    const rss = asciichart.plot(drawn(rssValues), range).split('\n');
    out = live.map((row, r) => mergeSeries(row, rss[r] ?? '', prefix, options).trimEnd());
  } else {
    const plot = asciichart.plot(drawn(values), { height: rows, offset: 2, format, ...(options.color ? { colors: [ANSI_CYAN] } : {}) });
    out = plot.split('\n').map((r) => r.trimEnd());
  }
  // asciichart draws its "zero" cross on the row of scaled value 0 counted from the top, so with
  // values starting at 0 it lands on the top row. Only the first value's row should carry it.
  const firstRow = Math.round((seriesHigh - shift) * ratio) - Math.round((values[0]! - shift) * ratio);
  for (let r = 0; r < out.length; r++) {
    if (r !== firstRow && out[r]![prefix] === '┼') out[r] = `${out[r]!.slice(0, prefix)}┤${out[r]!.slice(prefix + 1)}`;
  }

  if (report.gc.passes.length > 0) {
    const marks = new Array<string>(values.length).fill(' ');
    for (const pass of report.gc.passes) marks[columnOf(pass.t)] = 'g';
    const row = marks.join('').trimEnd().replace(/g/g, paint('g', ANSI_YELLOW, options));
    out.push(`${'gc'.padStart(labelWidth)} ${row}`);
  }

  let peakColumn = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[peakColumn]!) peakColumn = c;
  const { summary } = report;
  const where = summary.peakLine ? `, ${summary.peakLine.file}:${summary.peakLine.line}` : '';
  const text = `peak ${label(summary.peakBytes)} at t=${formatTime(summary.peakT)}${where}`;
  const caretAt = prefix + peakColumn;
  // The caret points up at the peak's column; its text goes to the right unless it would overflow.
  const caretRow =
    caretAt + 2 + text.length <= size.width || caretAt < text.length + 1
      ? `${' '.repeat(caretAt)}^ ${text}`
      : `${' '.repeat(caretAt - text.length - 1)}${text} ^`;
  out.push(paint(caretRow, ANSI_RED, options));

  if (withRss) {
    out.push(`${' '.repeat(prefix)}${paint('──', ANSI_CYAN, options)} live bytes  ${paint(`${RSS_DOT}${RSS_DOT}`, ANSI_MAGENTA, options)} modelled RSS (pymalloc and glibc malloc: never below the live bytes)`);
  }
  const first = `t=${formatTime(points[0]!.t)}`;
  // A point's t is the start of its bucket; the axis ends at the last event (a report written before
  // endT existed: at the last bucket or the peak, whichever is later).
  const lastT = `t=${formatTime(summary.endT ?? Math.max(points[points.length - 1]!.t, summary.peakT))}`;
  const gap = values.length - first.length - lastT.length;
  out.push(`${' '.repeat(prefix)}${first}${gap >= 1 ? `${' '.repeat(gap)}${lastT}` : ''}`);
  return `${out.join('\n')}\n`;
}
