/**
 * What the colours and shapes of the view mean, over its top-left corner, for the domains that colour by
 * meaning: charges of N-body particles (diverging red / blue), teams and the ball on a basketball court, and
 * for peptides the φ/ψ backbone torsions at the current frame of the trajectory on screen.
 */
import { backboneOf, torsionsAt } from '../core/peptide/torsions';
import type { Scene } from '../core/scene';
import { mainView } from './display';
import { unitLabel } from './format';
import { useApp } from './store';
import { courtScale } from './view/court';
import { BALL_COLOR, basketballRoles, chargeLegend, hex } from './view/palette';

const swatch = (color: string) => <span className="swatch" style={{ background: color }} aria-hidden="true" />;

/** "−63.2°" */
export function formatAngle(deg: number): string {
  return Number.isFinite(deg) ? `${deg < 0 ? '−' : ''}${Math.abs(deg).toFixed(1)}°` : '–';
}

function ChargeLegend({ scene }: { scene: Scene }) {
  const items = chargeLegend(scene);
  if (!items) return null;
  return (
    <div data-testid="legend-charge">
      <span className="legend-title">charge</span>
      {items.map((it) => (
        <span key={it.label} className="legend-item" data-color={it.color}>
          {swatch(it.color)}
          {it.label} ({it.count})
        </span>
      ))}
      {scene.lengthUnit === 'sim' && <span className="legend-note">lengths and times in {unitLabel('sim')}</span>}
    </div>
  );
}

function CourtLegend({ scene }: { scene: Scene }) {
  const roles = basketballRoles(scene);
  return (
    <div data-testid="legend-court">
      {roles.ball.size > 0 && (
        <span className="legend-item">
          {swatch(hex(BALL_COLOR))}ball
        </span>
      )}
      {roles.teams ? (
        roles.teams.map((t) => (
          <span key={t.name} className="legend-item" data-color={hex(t.color)}>
            {swatch(hex(t.color))}
            {t.name} ({t.members.length})
          </span>
        ))
      ) : (
        <span className="legend-note" data-testid="legend-no-teams">
          one colour per player: {roles.noTeams}
        </span>
      )}
    </div>
  );
}

function TorsionReadout({ scene }: { scene: Scene }) {
  const display = useApp((s) => mainView(s).display);
  const frame = useApp((s) => s.frame);
  const bb = backboneOf(scene);
  if (!bb.ok) return null;
  const shown = bb.backbone.residues.slice(0, 3);
  return (
    <div data-testid="torsion-readout" data-method={bb.backbone.method}>
      {shown.map((r) => {
        const t = display && frame < display.frameCount ? torsionsAt(display, frame, r) : null;
        return (
          <span key={r.label} className="legend-item" data-phi={t?.phi ?? ''} data-psi={t?.psi ?? ''}>
            {r.label}: {t ? `φ ${formatAngle(t.phi)} ψ ${formatAngle(t.psi)}` : 'pick a sample to read φ/ψ'}
          </span>
        );
      })}
      <span className="legend-note">backbone from {bb.backbone.method === 'names' ? 'atom names' : 'bonds'}</span>
    </div>
  );
}

export function ViewLegend() {
  const scene = useApp((s) => s.scene);
  if (!scene) return null;
  const charge = scene.dim === 3 && !scene.entities.some((e) => e.element) && chargeLegend(scene) !== null;
  const court = courtScale(scene) !== null;
  const peptide = scene.dim === 3 && backboneOf(scene).ok;
  if (!charge && !court && !peptide) return null;
  return (
    <div className="view-legend" data-testid="view-legend" aria-live="off">
      {charge && <ChargeLegend scene={scene} />}
      {court && <CourtLegend scene={scene} />}
      {peptide && <TorsionReadout scene={scene} />}
    </div>
  );
}
