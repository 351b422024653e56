declare module 'asciichart' {
  export interface PlotConfig {
    height?: number;
    offset?: number;
    padding?: string;
    min?: number;
    max?: number;
    colors?: string[];
    symbols?: string[];
    format?: (x: number, i: number) => string;
  }
  export function plot(series: number[] | number[][], config?: PlotConfig): string;
  export const black: string, red: string, green: string, yellow: string, blue: string,
    magenta: string, cyan: string, lightgray: string, darkgray: string, lightred: string,
    lightgreen: string, lightyellow: string, lightblue: string, lightmagenta: string,
    lightcyan: string, white: string, reset: string;
  const asciichart: { plot: typeof plot };
  export default asciichart;
}
