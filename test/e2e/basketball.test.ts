/**
 * Basketball in the page: a SportVU-format play made here (10 players and the ball in feet, frame ids stepping by
 * 12) stands on an NBA court with its markings, the ball drawn small, orange and raised; the bundled pedestrian
 * model refuses it naming both values; a basketball test model in metres (test/unit/engine/tiny-model.ts) takes it
 * after the user confirms the feet-to-metres conversion, then samples and plays it back on the same court. A CSV
 * with team groups colours the players by team.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tinyDims, writeModelIndex, writeTinyModel } from '../unit/engine/tiny-model';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { reopen, runAndWait, sceneFrame, shippedModelsBut, viewPixels, viewState, waitModel } from './samplerHelpers';
import { serveDirectory, type RunningServer } from './staticServer';

const FRAMES = 40;
const PLAYERS = [201, 202, 203, 204, 205, 301, 302, 303, 304, 305];

/** A play on the right half: attackers circle the key, defenders shadow them, the ball is passed round. */
function playRows(): { frame: number; id: number; x: number; y: number; group: string; team: string }[] {
  const rows: { frame: number; id: number; x: number; y: number; group: string; team: string }[] = [];
  const at = (p: number, f: number) => {
    const a = (2 * Math.PI * p) / 5 + 0.04 * f;
    const r = 16 + 3 * Math.sin(0.1 * f + p);
    return [88.75 - r * Math.cos(a) * 0.9 - 4, 25 + r * Math.sin(a)];
  };
  for (let f = 0; f < FRAMES; f++) {
    const frame = 1200 + 12 * f;
    PLAYERS.forEach((id, i) => {
      const p = i % 5;
      const [x, y] = at(p, f);
      // defenders stand 3 ft towards the basket from their man
      const [dx, dy] = i < 5 ? [0, 0] : [3 * Math.sign(88.75 - x), 0.5];
      rows.push({ frame, id, x: x + dx, y: y + dy, group: 'PLAYER', team: i < 5 ? 'HOME' : 'AWAY' });
    });
    // the ball goes from attacker to attacker every 10 frames, flying in between
    const from = Math.floor(f / 10) % 5;
    const to = (from + 1) % 5;
    const u = (f % 10) / 10;
    const [ax, ay] = at(from, f);
    const [bx, by] = at(to, f);
    rows.push({ frame, id: -1, x: ax + (bx - ax) * u, y: ay + (by - ay) * u, group: 'BALL', team: 'BALL' });
  }
  return rows;
}

const sportVu = () => playRows().map((r) => `${r.frame} ${r.id} ${r.x.toFixed(4)} ${r.y.toFixed(4)} ${r.group}`).join('\n');
const teamsCsv = () =>
  ['# lamslide kind=basketball frame_interval=0.12 frame_interval_unit=s', 'frame,id,x,y,group', ...playRows().map((r) => `${r.frame},${r.id},${r.x.toFixed(4)},${r.y.toFixed(4)},${r.team}`)].join('\n');

let browser: Browser;
let page: Page;
let log: PageLog;
let server: RunningServer;
let pedServer: RunningServer;
let tmp: string;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

/** Pixels of the view that are the ball's orange (lit), and their centre (page coordinates); the legend's swatch is left out. */
async function orangePixels(): Promise<{ count: number; x: number; y: number }> {
  let count = 0;
  let sx = 0;
  let sy = 0;
  await viewPixels(page, (r, g, b, px, py) => {
    if (r > 170 && g > 85 && g < 200 && b < 90 && r - g > 55) {
      count++;
      sx += px;
      sy += py;
    }
  });
  return { count, x: sx / Math.max(1, count), y: sy / Math.max(1, count) };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lamslide-court-'));
  const models = join(tmp, 'models');
  await writeTinyModel(join(models, 'tiny-court'), tinyDims, {
    format: 'lamslide-model/2',
    name: 'tiny-court',
    domain: 'basketball',
    first_stage: { kind: 'learned', layout: 'shared' },
    length_unit: 'm',
    frame_interval: { value: 0.12, unit: 's' },
  });
  const dist = inject('distDir');
  // Without the shipped basketball model (nba, which the page would pick for the play; test/e2e/sampler-systems
  // samples with it): here the pedestrian models meet the play, and the tiny model in metres is the only one that
  // takes it.
  const others = await shippedModelsBut(dist, 'basketball');
  const pedestrian = join(tmp, 'pedestrian');
  await writeModelIndex(pedestrian, others);
  pedServer = await serveDirectory(dist, { '/models/': pedestrian });
  await writeModelIndex(models, [...others, { name: 'tiny-court', path: 'tiny-court', domain: 'basketball' }]);
  server = await serveDirectory(dist, { '/models/': models });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await pedServer?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a SportVU play on the court', () => {
  it('draws the court in feet, the players and a small, orange, raised ball', async () => {
    ({ page, log } = await openApp(browser, pedServer.url));
    await reopen(page, 'play.txt', Buffer.from(sportVu()));
    expect(await text('scene-kind')).toBe('basketball (2-D)');
    expect(await text('length-unit')).toBe('ft');
    expect(await text('frame-interval')).toBe('0.12 s');
    const v = await viewState(page);
    const layer = v!.layer!;
    expect(layer.kind).toBe('court');
    expect(layer.court).toMatchObject({ perFoot: 1, hoops: 2 });
    expect(layer.court!.lines).toBeGreaterThan(200);
    const ids = await page.evaluate(() => window.__lamslideSample!.sourceIds());
    const ball = ids.indexOf('-1');
    expect(layer.ball).toEqual([ball]);
    expect(layer.colors[ball]).toBe('#ff8c1a');
    expect(layer.lifts![ball]).toBe(4);
    for (let i = 0; i < ids.length; i++) {
      if (i === ball) continue;
      expect(layer.radii[ball]).toBeLessThan(layer.radii[i]);
      expect(layer.lifts![i]).toBe(0);
      expect(layer.colors[i]).not.toBe(layer.colors[ball]);
    }
    // SportVU says PLAYER / BALL only: no teams, one colour per player, and the legend says so.
    expect(layer.teams).toBeNull();
    expect(new Set(layer.colors).size).toBe(11);
    expect(await text('legend-court')).toMatch(/ball.*one colour per player: the file does not tell the teams apart/s);
    // The ball shows in its orange near where it is.
    const orange = await orangePixels();
    expect(orange.count).toBeGreaterThan(8);
    const ground = (await page.evaluate((b) => window.__lamslide!.screenOf(b), ball))!;
    expect(Math.abs(orange.x - ground.x)).toBeLessThan(30);
    // raised: drawn above (on screen) the point of the floor under it
    expect(orange.y).toBeLessThan(ground.y);
    expect(ground.y - orange.y).toBeLessThan(80);
  });

  it('is refused by the pedestrian model with both values named', async () => {
    await waitModel(page, 'eth_ucy-all');
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
    const why = await text('sample-blocker');
    expect(why).toContain('the scene is a basketball scene, model eth_ucy-all is a pedestrian model');
    expect(why).toContain("the scene's frames are 0.12 s apart, model eth_ucy-all steps 0.4 s");
    expect(await text('compat-also')).toContain('lengths ft → m (× 0.3048)');
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('takes a basketball model in metres after the user confirms the conversion, then samples on the court', async () => {
    ({ page, log } = await openApp(browser, server.url));
    await reopen(page, 'play.txt', Buffer.from(sportVu()));
    await waitModel(page, 'tiny-court');
    const before = await sceneFrame(page, 0);
    expect(await page.locator('[data-testid="sample-run"]').isDisabled()).toBe(true);
    expect(await text('compat-conversions')).toContain('lengths ft → m (× 0.3048)');
    await page.click('[data-testid="convert-scene"]');
    expect(await text('convert-list')).toBe('lengths: the scene is in ft, the model takes m: every coordinate × 0.3048');
    // Keeping the scene changes nothing.
    await page.click('[data-testid="convert-cancel"]');
    expect(await page.locator('[data-testid="convert-confirm-step"]').count()).toBe(0);
    expect(await text('length-unit')).toBe('ft');
    await page.click('[data-testid="convert-scene"]');
    await page.click('[data-testid="convert-confirm"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="length-unit"]')?.textContent === 'm');
    const after = await sceneFrame(page, 0);
    for (const [id, p] of before) for (let d = 0; d < 2; d++) expect(after.get(id)![d]).toBeCloseTo(p[d] * 0.3048, 4);
    const layer = (await viewState(page))!.layer!;
    expect(layer.kind).toBe('court');
    expect(layer.court!.perFoot).toBeCloseTo(0.3048, 6);
    expect(layer.lifts![layer.ball![0]]).toBeCloseTo(4 * 0.3048, 6);

    await page.keyboard.press('End');
    await page.fill('[data-testid="sample-k"]', '3');
    await page.fill('[data-testid="sample-nfe"]', '2');
    const st = await runAndWait(page, 'sample-run');
    expect(st.runs[0]).toMatchObject({ K: 3, N: 11, now: FRAMES - 1, horizon: tinyDims.future });
    await page.keyboard.press(']');
    await page.locator('[data-testid="scrub"]').fill(String(FRAMES + 1));
    const v = await viewState(page);
    expect(v!.run).toMatchObject({ sample: 0 });
    expect(v!.drawn).toBe(11);
    expect(v!.layer).toMatchObject({ kind: 'court', ball: layer.ball });
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it('colours the players by team when the scene names two teams', async () => {
    ({ page, log } = await openApp(browser, inject('baseUrl')));
    await reopen(page, 'teams.csv', Buffer.from(teamsCsv()));
    const layer = (await viewState(page))!.layer!;
    expect(layer.kind).toBe('court');
    expect(layer.teams!.map((t) => [t.name, t.members.length])).toEqual([
      ['AWAY', 5],
      ['HOME', 5],
    ]);
    for (const t of layer.teams!) for (const i of t.members) expect(layer.colors[i]).toBe(t.color);
    expect(await text('legend-court')).toMatch(/ball.*AWAY \(5\).*HOME \(5\)/s);
    expect(log.errors).toEqual([]);
  });
});
