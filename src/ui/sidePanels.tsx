/**
 * Extension point for panels in the right-hand column (the sampling panel mounts here).
 * A panel gets the loaded scene and the current frame; it must not mutate the scene.
 */
import type { ReactNode } from 'react';
import type { Scene } from '../core/scene';
import { SamplePanel, type OverlayHost } from './SamplePanel';

export interface SidePanelProps {
  scene: Scene | null;
  frame: number;
  /** lets a panel draw into the viewport (e.g. the Sample panel's fan) */
  overlay?: OverlayHost | null;
}

export interface SidePanelSpec {
  id: string;
  title: string;
  render(props: SidePanelProps): ReactNode;
}

export const sidePanels: SidePanelSpec[] = [{ id: 'sample', title: 'Sample futures', render: (p) => <SamplePanel {...p} /> }];
