/**
 * The timeline: the file's frames, or with a run on screen its known history plus the sampled horizon, with
 * "now" and the chained windows marked on the slider. Readouts follow one convention: the timeline index from
 * 0 of the count, and the time (index × frame interval); the source frame id is secondary.
 */
import { timelinePoint, windowStarts } from '../core/run/timeline';
import { formatTime, SPEEDS } from './format';
import { activeRun, appStore, timelineCount, useApp } from './store';

/** Chained windows marked on the slider at most (a 2 ns rollout of a 1 ps model has hundreds). */
export const MAX_WINDOW_MARKS = 60;

export function Timeline() {
  const scene = useApp((s) => s.scene);
  const run = useApp(activeRun);
  const frame = useApp((s) => s.frame);
  const playing = useApp((s) => s.playing);
  const speed = useApp((s) => s.speed);
  const loop = useApp((s) => s.loop);
  const count = useApp(timelineCount);
  const st = appStore.getState();
  const disabled = !scene;
  const point = scene && frame < count ? timelinePoint(run, frame) : null;
  const source = point?.kind === 'history' && scene ? scene.frameLabels[point.frame] : undefined;
  const time = scene ? formatTime(frame, scene.frameInterval) : '–';
  const pct = (i: number) => (count > 1 ? (i / (count - 1)) * 100 : 0);
  let where = '';
  if (point?.kind === 'future' && run) where = `sampled ${point.j + 1} / ${run.horizon}${run.horizon > run.modelFuture ? ` · window ${point.window + 1}` : ''}`;
  else if (point?.kind === 'history' && run && point.isNow) where = 'now';
  return (
    <div className="timeline" data-testid="timeline">
      <button type="button" onClick={() => st.step(-1)} disabled={disabled} title="Previous frame (←)" aria-label="Previous frame">
        <StepIcon dir={-1} />
      </button>
      <button type="button" className="play" data-testid="play" data-playing={playing ? 'true' : 'false'} onClick={st.togglePlay} disabled={disabled || count < 2} title="Play / pause (space)">
        {playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={() => st.step(1)} disabled={disabled} title="Next frame (→)" aria-label="Next frame">
        <StepIcon dir={1} />
      </button>
      <div className="scrub-wrap">
        <input
          type="range"
          className="scrub"
          data-testid="scrub"
          aria-label="timeline"
          aria-valuetext={scene ? `frame ${frame} of ${count}, ${formatTime(frame, scene.frameInterval)}${where ? `, ${where}` : ''}` : undefined}
          min={0}
          max={Math.max(0, count - 1)}
          step={1}
          value={frame}
          disabled={disabled}
          onChange={(e) => {
            st.setPlaying(false);
            st.setFrame(Number(e.currentTarget.value));
          }}
        />
        {run && (
          <div className="scrub-marks" aria-hidden="true">
            <span className="future-span" style={{ left: `${pct(run.now)}%`, right: '0%' }} />
            {/* A long chained rollout has too many windows to mark one by one. */}
            {windowStarts(run).length <= MAX_WINDOW_MARKS && windowStarts(run).slice(1).map((i) => (
              <span key={i} className="window-mark" style={{ left: `${pct(i - 0.5)}%` }} />
            ))}
            <span className="now-mark" data-testid="now-mark" data-now={run.now} style={{ left: `${pct(run.now)}%` }} title={`now: frame ${run.now}`} />
          </div>
        )}
      </div>
      <div className="readouts">
        <span className="readout" data-testid="frame-readout" data-frame={frame} data-frame-count={count}>
          {scene ? `frame ${frame} / ${count}` : 'frame – / –'}
        </span>
        {/* A long time ("2.0 simulation units") takes a row of its own instead of squeezing the slider. */}
        <span className={`readout time${time.length > 12 ? ' long' : ''}`} data-testid="time-readout">
          {time}
        </span>
        <span className="readout secondary" data-testid="frame-secondary">
          {source !== undefined ? `source frame ${source}` : ''}
          {where ? `${source !== undefined ? ' · ' : ''}${where}` : ''}
        </span>
      </div>
      <label className="speed">
        speed
        <select data-testid="speed" value={speed} onChange={(e) => st.setSpeed(Number(e.currentTarget.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}x
            </option>
          ))}
        </select>
      </label>
      <label className="loop">
        <input type="checkbox" data-testid="loop" checked={loop} onChange={(e) => st.setLoop(e.currentTarget.checked)} />
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
