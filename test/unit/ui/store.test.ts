import { describe, expect, it } from 'vitest';
import { activeRun, createAppStore, pickOrder, resolvePick, timelineCount } from '../../../src/ui/store';
import { samplingNow } from '../../../src/ui/sampler';
import { mainView } from '../../../src/ui/display';
import { straightRun, walkers } from '../core/run/helpers';

function withRun(now = 5) {
  const store = createAppStore();
  const scene = walkers();
  store.getState().setScene(scene);
  const run = store.getState().addRun(straightRun(scene, now));
  return { store, scene, run };
}

describe('app store', () => {
  it('a run becomes the one on screen and the timeline spans history + horizon', () => {
    const { store, run } = withRun();
    const s = store.getState();
    expect(activeRun(s)).toBe(run);
    expect(timelineCount(s)).toBe(10);
    s.setFrame(99);
    expect(store.getState().frame).toBe(9);
    s.setActiveRun(null);
    expect(timelineCount(store.getState())).toBe(10);
    expect(store.getState().frame).toBe(9);
  });

  it('a new scene clears runs, selection and the clock', () => {
    const { store, scene } = withRun();
    store.getState().setHighlight(1);
    store.getState().setPlaying(true);
    store.getState().setScene({ ...scene, name: 'other.txt' });
    const s = store.getState();
    expect(s.runs).toEqual([]);
    expect(s.activeRunId).toBeNull();
    expect(s.highlight).toBeNull();
    expect(s.playing).toBe(false);
    expect(s.frame).toBe(0);
  });

  it('[ and ] step through the fan, every sample and the best of K, wrapping', () => {
    const { store, run } = withRun();
    expect(pickOrder(run)).toEqual(['all', 0, 1, 'best']);
    const s = store.getState();
    s.stepPick(1);
    expect(store.getState().pick).toBe(0);
    s.stepPick(1);
    s.stepPick(1);
    expect(store.getState().pick).toBe('best');
    expect(resolvePick(run, 'best')).toBe(0);
    s.stepPick(1);
    expect(store.getState().pick).toBe('all');
    s.stepPick(-1);
    expect(store.getState().pick).toBe('best');
    // no ground truth: no "best"
    const late = straightRun(walkers(), 9);
    expect(pickOrder(late)).toEqual(['all', 0, 1]);
  });

  it('removing a run clears it from A/B and the comparison; play at the end starts over', () => {
    const { store, run } = withRun();
    const s = store.getState();
    s.setAB(0, run.id);
    s.setComparison({ runIds: [run.id], warmupMs: 3 });
    s.removeRun(run.id);
    const t = store.getState();
    expect(t.ab).toEqual([null, null]);
    expect(t.comparison).toBeNull();
    expect(t.activeRunId).toBeNull();
    t.setFrame(9);
    t.setLoop(false);
    t.togglePlay();
    expect(store.getState()).toMatchObject({ playing: true, frame: 0 });
  });

  it('"now" of the next run is the frame, or the run’s now while in its future', () => {
    const { store } = withRun(5);
    store.getState().setFrame(7);
    expect(samplingNow(store.getState())).toBe(5);
    store.getState().setFrame(3);
    expect(samplingNow(store.getState())).toBe(3);
  });

  it('the view shows history only under the fan, one sample otherwise; scenes are cached', () => {
    const { store, run } = withRun(5);
    const fan = mainView(store.getState());
    expect(fan.run).toBe(run);
    expect(fan.sample).toBeNull();
    expect(fan.display!.frameCount).toBe(10);
    expect(fan.display!.mask.subarray(6 * 3).every((m) => m === 0)).toBe(true);
    store.getState().setPick(1);
    const one = mainView(store.getState());
    expect(one.sample).toBe(1);
    expect(one.display!.mask[6 * 3]).toBe(1);
    expect(mainView(store.getState()).display).toBe(one.display);
  });
});
