import { useEffect } from 'react';
import { baseFps } from './format';
import { activeRun, appStore, timelineCount, useApp } from './store';

/**
 * The playback clock: while playing, advances the store's timeline frame. Time accumulates locally and only
 * whole frames reach the store, so a slow scene (2.5 frames/s) and a fast one (60) both advance evenly
 * whatever the display refresh rate. The timeline spans the file, or a run's history + horizon.
 */
export function usePlaybackClock(): void {
  const playing = useApp((s) => s.playing);
  const speed = useApp((s) => s.speed);
  const loop = useApp((s) => s.loop);
  const interval = useApp((s) => s.scene?.frameInterval);
  const count = useApp(timelineCount);
  const runId = useApp((s) => activeRun(s)?.id ?? null);

  useEffect(() => {
    if (!playing || count < 2 || !interval) return;
    const fps = baseFps(interval) * speed;
    let raf = 0;
    let prev = performance.now();
    let acc = 0;
    const tick = (now: number) => {
      acc += ((now - prev) / 1000) * fps;
      prev = now;
      if (acc >= 1) {
        const adv = Math.floor(acc);
        acc -= adv;
        const s = appStore.getState();
        let next = s.frame + adv;
        if (next > count - 1) {
          if (loop) next %= count;
          else {
            s.setFrame(count - 1);
            s.setPlaying(false);
            return;
          }
        }
        s.setFrame(next);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, speed, loop, count, interval, runId]);
}
