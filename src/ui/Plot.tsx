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
