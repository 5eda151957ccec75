import type { Scene } from '../core/scene';
import { formatTime, SPEEDS } from './format';
import type { Playback } from './usePlayback';

export interface TimelineProps {
  scene: Scene | null;
  playback: Playback;
}

export function Timeline({ scene, playback }: TimelineProps) {
  const count = scene?.frameCount ?? 0;
  const disabled = !scene;
  const { frame } = playback;
  const label = scene?.frameLabels[frame];
  return (
    <div className="timeline" data-testid="timeline">
      <button type="button" onClick={() => playback.step(-1)} disabled={disabled} title="Previous frame (←)" aria-label="Previous frame">
        <StepIcon dir={-1} />
      </button>
      <button
        type="button"
        className="play"
        data-testid="play"
        data-playing={playback.playing ? 'true' : 'false'}
        onClick={playback.togglePlay}
        disabled={disabled || count < 2}
        title="Play / pause (space)"
      >
        {playback.playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={() => playback.step(1)} disabled={disabled} title="Next frame (→)" aria-label="Next frame">
        <StepIcon dir={1} />
      </button>
      <input
        type="range"
        className="scrub"
        data-testid="scrub"
        aria-label="Frame"
        min={0}
        max={Math.max(0, count - 1)}
        step={1}
        value={frame}
        disabled={disabled}
        onChange={(e) => {
          playback.setPlaying(false);
          playback.setFrame(Number(e.currentTarget.value));
        }}
      />
      <span className="readout" data-testid="frame-readout" data-frame={frame} data-frame-count={count} title={label !== undefined ? `source frame ${label}` : undefined}>
        {scene ? `frame ${frame} / ${count}` : 'frame – / –'}
      </span>
      <span className="readout time" data-testid="time-readout">
        {scene ? formatTime(frame, scene.frameInterval) : '–'}
      </span>
      <label className="speed">
        speed
        <select
          data-testid="speed"
          value={playback.speed}
          onChange={(e) => playback.setSpeed(Number(e.currentTarget.value))}
        >
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}x
            </option>
          ))}
        </select>
      </label>
      <label className="loop">
        <input type="checkbox" data-testid="loop" checked={playback.loop} onChange={(e) => playback.setLoop(e.currentTarget.checked)} />
        loop
      </label>
    </div>
  );
}

/** Drawn, not a glyph: the media-control characters are missing from many system fonts. */
function StepIcon({ dir }: { dir: 1 | -1 }) {
  return (
    <svg width="14" height="12" viewBox="0 0 14 12" aria-hidden="true" style={{ transform: dir < 0 ? 'scaleX(-1)' : undefined }}>
      <path d="M1 1 L9 6 L1 11 Z" fill="currentColor" />
      <rect x="10" y="1" width="2.5" height="10" fill="currentColor" />
    </svg>
  );
}
