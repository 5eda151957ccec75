/** A scene against the loaded model for the CLI (CONTRACT.md v2 "Scene against model"): refuse, convert, or note. */
import { applyConversions, checkScene, withModelUnits, type Conversion } from '../core/sampler/compat';
import type { ModelManifest } from '../core/sampler/manifest';
import type { Scene } from '../core/scene';

export function describeConversion(c: Conversion): string {
  if (c.kind === 'length') return `lengths ${c.from} -> ${c.to} (x ${Number(c.factor.toPrecision(6))})`;
  return `1 frame in ${c.every} kept (${c.from.value} ${c.from.unit} -> ${c.to.value} ${c.to.unit} apart)`;
}

/**
 * The scene as the model takes it: refused (an Error naming every problem with both values) when it does not
 * fit, converted when the conversions are accepted (`convert`, printed), and with the model's length unit and
 * interval where the scene states none (noted).
 */
export function fitScene(scene: Scene, manifest: ModelManifest, convert: boolean, note: (line: string) => void): Scene {
  const report = checkScene(scene, manifest);
  if (!report.ok) {
    const lines = report.problems.map((p) => `  ${p.field}: ${p.message} (scene: ${p.scene}; model: ${p.model})`);
    throw new Error(`${scene.name} does not fit model ${manifest.name}:\n${lines.join('\n')}`);
  }
  for (const n of report.notices) note(`${scene.name}: ${n.field}: ${n.message}`);
  let out = scene;
  if (report.conversions.length > 0) {
    const list = report.conversions.map(describeConversion).join('; ');
    if (!convert) throw new Error(`${scene.name} fits model ${manifest.name} only after converting: ${list}. Pass --convert to accept.`);
    note(`${scene.name}: converted: ${list}`);
    out = applyConversions(scene, report.conversions);
  }
  return withModelUnits(out, manifest);
}
