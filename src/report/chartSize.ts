// The chart's default size, apart from the renderer (./chart.ts) so that `memprof plot`'s options
// are declared without loading it.
export interface ChartSize {
  /** Most characters per row, labels included. */
  width: number;
  /** Rows of the plot itself (the marker rows come under it). */
  height: number;
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 72, height: 12 };
