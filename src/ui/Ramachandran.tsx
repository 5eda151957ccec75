/**
 * The Ramachandran plot of a peptide run: φ against ψ of the sampled future frames beside those of the reference
 * (the file's own frames), one panel each, drawn with @observablehq/plot like the other plots.
 */
import { PlotFigure } from './Plot';
import type { RamachandranData } from './plotData';
import { ordinal } from './sampler';

const TICKS = [-180, -90, 0, 90, 180];

function part(p: { label: string; points: number; stride: number }): string {
  return `${p.label} (${p.points} points${p.stride > 1 ? `, every ${ordinal(p.stride)} drawn` : ''})`;
}

export function RamachandranPlot({ data }: { data: RamachandranData }) {
  const sets = [data.reference.label, ...(data.sampled ? [data.sampled.label] : [])];
  const label = `Ramachandran plot of ${data.residue}: ${[data.reference, ...(data.sampled ? [data.sampled] : [])].map(part).join('; ')}`;
  return (
    <div data-testid="ramachandran" data-reference-points={data.reference.points} data-sampled-points={data.sampled?.points ?? 0}>
      <PlotFigure
        testId="plot-ramachandran"
        label={label}
        deps={[data]}
        build={(Plot) => ({
          width: 340,
          height: 200,
          marginLeft: 40,
          marginTop: 22,
          x: { label: 'φ (°)', domain: [-180, 180], ticks: TICKS },
          y: { label: 'ψ (°)', domain: [-180, 180], ticks: TICKS, grid: true },
          fx: { domain: sets, label: null, tickFormat: (s: string) => (s === data.reference.label ? 'reference' : 'sampled') },
          color: { domain: sets, range: ['#d8dde6', '#5aa9ff'] },
          marks: [Plot.frame({ stroke: '#3a4558' }), Plot.dot(data.rows, { x: 'phi', y: 'psi', fx: 'set', fill: 'set', r: 1.4, fillOpacity: 0.45 })],
        })}
      />
      {!data.sampled && <p className="muted">The run did not sample every backbone atom, so only the reference is drawn.</p>}
    </div>
  );
}
