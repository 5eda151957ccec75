/**
 * A figure drawn by @observablehq/plot (SVG, with an accessible label and description). The library is loaded
 * on first use, so the page's first paint does not wait for it.
 */
import { useEffect, useRef, useState } from 'react';

type PlotModule = typeof import('@observablehq/plot');
let plotModule: Promise<PlotModule> | null = null;
export function loadPlot(): Promise<PlotModule> {
  plotModule ??= import('@observablehq/plot');
  return plotModule;
}

export interface PlotFigureProps {
  /** builds the plot options from the module (marks need its functions) */
  build: (Plot: PlotModule) => Parameters<PlotModule['plot']>[0];
  label: string;
  testId: string;
  /** redraws when any of these change */
  deps: unknown[];
}

export function PlotFigure({ build, label, testId, deps }: PlotFigureProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    let node: Element | null = null;
    loadPlot()
      .then((Plot) => {
        if (stop || !ref.current) return;
        node = Plot.plot({ ariaLabel: label, style: { background: 'transparent', color: '#dde3ee', fontSize: '11px' }, ...build(Plot) });
        ref.current.replaceChildren(node);
        setError(null);
      })
      .catch((e: unknown) => !stop && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      stop = true;
      node?.remove();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return (
    <figure className="plot" data-testid={testId} aria-label={label}>
      <figcaption>{label}</figcaption>
      <div ref={ref} />
      {error && <p className="error">plot failed: {error}</p>}
    </figure>
  );
}

export interface LinePlotProps<R> {
  testId: string;
  label: string;
  rows: R[];
  /** field names of x, y and the series (stroke) */
  x: keyof R & string;
  y: keyof R & string;
  series: keyof R & string;
  xLabel: string;
  yLabel: string;
  width: number;
  /** an x axis on a log scale with these ticks (NFE) */
  logTicks?: number[];
  legend?: boolean;
  dots?: boolean;
}

/** One line per series of rows: the metrics and comparison plots. */
export function LinePlot<R>({ testId, label, rows, x, y, series, xLabel, yLabel, width, logTicks, legend = true, dots }: LinePlotProps<R>) {
  return (
    <PlotFigure
      testId={testId}
      label={label}
      deps={[rows]}
      build={(Plot) => ({
        width,
        height: 175,
        marginLeft: 44,
        x: logTicks ? { label: xLabel, type: 'log', ticks: logTicks, tickFormat: (d: number) => String(d) } : { label: xLabel },
        y: { label: yLabel, grid: true, zero: true },
        color: { legend, type: 'categorical' },
        marks: [Plot.line(rows, { x, y, stroke: series, tip: true, ...(dots ? { marker: 'dot' } : {}) })],
      })}
    />
  );
}
