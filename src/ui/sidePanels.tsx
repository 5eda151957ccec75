/**
 * The right-hand column: the panels of the sampler, in the order a user goes through them. Each reads the one
 * store; the controller turns button presses into worker requests.
 */
import type { ReactNode } from 'react';
import { ComparePanel } from './ComparePanel';
import { IdsPanel } from './IdsPanel';
import { InsidePanel } from './InsidePanel';
import { MetricsPanel } from './MetricsPanel';
import { RunsPanel } from './RunsPanel';
import { SamplePanel } from './SamplePanel';
import type { SamplerController } from './sampler';

export interface SidePanelProps {
  controller: SamplerController;
  /** what the view drew for the run on screen (the e2e hook reports it) */
  drawn: () => { lines: number; truthLines: number };
}

export interface SidePanelSpec {
  id: string;
  title: string;
  /** closed at first (the user opens it) */
  closed?: boolean;
  render(props: SidePanelProps): ReactNode;
}

export const sidePanels: SidePanelSpec[] = [
  { id: 'sample', title: 'Sample futures', render: (p) => <SamplePanel {...p} /> },
  { id: 'ids', title: 'IDs', render: () => <IdsPanel /> },
  { id: 'runs', title: 'Runs', render: () => <RunsPanel /> },
  { id: 'metrics', title: 'Metrics', render: () => <MetricsPanel /> },
  { id: 'compare', title: 'Compare NFE', render: (p) => <ComparePanel controller={p.controller} /> },
  { id: 'inside', title: 'Inside the model', closed: true, render: () => <InsidePanel /> },
];
