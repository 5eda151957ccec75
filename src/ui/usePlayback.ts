import { useCallback, useEffect, useRef, useState } from 'react';
import type { FrameInterval } from '../core/scene';
import { baseFps } from './format';

export interface Playback {
  frame: number;
  playing: boolean;
  speed: number;
  loop: boolean;
  setFrame(f: number): void;
  /** Moves by `delta` frames and pauses: stepping while playing would fight the clock. */
  step(delta: number): void;
  togglePlay(): void;
  setPlaying(p: boolean): void;
  setSpeed(s: number): void;
  setLoop(l: boolean): void;
}

/**
 * Frame clock. Time accumulates in a ref and only whole frames reach React state, so a slow scene
 * (2.5 frames/s) and a fast one (60) both advance evenly whatever the display refresh rate.
 */
export function usePlayback(resetKey: unknown, frameCount: number, interval: FrameInterval): Playback {
  const [frame, setFrameState] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [loop, setLoop] = useState(true);
  const frameRef = useRef(0);
  const last = Math.max(0, frameCount - 1);

  const setFrame = useCallback(
    (f: number) => {
      const clamped = Math.min(last, Math.max(0, Math.round(f)));
      frameRef.current = clamped;
      setFrameState(clamped);
    },
    [last],
  );

  // A new scene (resetKey changes) starts from its first frame, paused.
  useEffect(() => {
    frameRef.current = 0;
    setFrameState(0);
    setPlaying(false);
  }, [resetKey]);

  useEffect(() => {
    if (!playing || frameCount < 2) return;
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
        let next = frameRef.current + adv;
        if (next > last) {
          if (loop) next %= frameCount;
          else {
            frameRef.current = last;
            setFrameState(last);
            setPlaying(false);
            return;
          }
        }
        frameRef.current = next;
        setFrameState(next);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, speed, loop, frameCount, last, interval]);

  const togglePlay = useCallback(() => {
    setPlaying((p) => {
      // Play at the end of a non-looping run starts over instead of doing nothing.
      if (!p && frameRef.current >= last) {
        frameRef.current = 0;
        setFrameState(0);
      }
      return !p;
    });
  }, [last]);

  const step = useCallback(
    (delta: number) => {
      setPlaying(false);
      setFrame(frameRef.current + delta);
    },
    [setFrame],
  );

  return { frame, playing, speed, loop, setFrame, step, togglePlay, setPlaying, setSpeed, setLoop };
}
