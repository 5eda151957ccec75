import type { Scene } from '../core/scene';
import { formatInterval, formatTime, unitLabel } from './format';

export function SceneInfo({ scene, parseMs }: { scene: Scene | null; parseMs: number | null }) {
  if (!scene) return <div className="scene-info muted" data-testid="scene-info">No scene loaded.</div>;
  const elements = new Map<string, number>();
  for (const e of scene.entities) if (e.element) elements.set(e.element, (elements.get(e.element) ?? 0) + 1);
  const formula = [...elements.entries()].map(([el, k]) => (k > 1 ? `${el}${k}` : el)).join(' ');
  return (
    <dl className="scene-info" data-testid="scene-info" data-kind={scene.kind}>
      <dt>name</dt>
      <dd data-testid="scene-name" title={scene.name}>
        {scene.name}
      </dd>
      <dt>kind</dt>
      <dd data-testid="scene-kind">
        {scene.kind} ({scene.dim}-D)
      </dd>
      <dt>entities</dt>
      <dd data-testid="entity-count">{scene.entities.length}</dd>
      {formula && (
        <>
          <dt>atoms</dt>
          <dd>{formula}</dd>
        </>
      )}
      <dt>frames</dt>
      <dd data-testid="frame-count">{scene.frameCount}</dd>
      <dt>interval</dt>
      <dd data-testid="frame-interval">{formatInterval(scene.frameInterval)}</dd>
      <dt>duration</dt>
      <dd>{formatTime(Math.max(0, scene.frameCount - 1), scene.frameInterval)}</dd>
      <dt>length unit</dt>
      <dd data-testid="length-unit">{unitLabel(scene.lengthUnit)}</dd>
      {parseMs !== null && (
        <>
          <dt>parsed in</dt>
          <dd>{parseMs < 1000 ? `${parseMs.toFixed(0)} ms` : `${(parseMs / 1000).toFixed(1)} s`}</dd>
        </>
      )}
    </dl>
  );
}
