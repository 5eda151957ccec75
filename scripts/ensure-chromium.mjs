#!/usr/bin/env node
/**
 * Makes sure the system Chromium the e2e tests drive is present (they never download a browser).
 * Missing: installs the Debian package with apt-get when running as root; otherwise says what to do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.LAMSLIDE_CHROMIUM ?? '/usr/bin/chromium';

function fail(msg) {
  console.error(`\nensure-chromium: ${msg}\n`);
  process.exit(1);
}

if (existsSync(CHROMIUM)) process.exit(0);

if (process.env.LAMSLIDE_CHROMIUM) fail(`LAMSLIDE_CHROMIUM points at ${CHROMIUM}, which does not exist.`);
if (process.platform !== 'linux') fail(`${CHROMIUM} not found. Install Chromium and set LAMSLIDE_CHROMIUM to its path.`);
let hasApt = true;
try {
  execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
} catch {
  hasApt = false;
}
if (!hasApt) fail(`${CHROMIUM} not found and apt-get is not available. Install Chromium, or set LAMSLIDE_CHROMIUM.`);
if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  fail(`${CHROMIUM} not found. Install it with:  sudo apt-get update && sudo apt-get install -y chromium`);
}

console.log('ensure-chromium: /usr/bin/chromium missing; installing the Debian "chromium" package…');
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
} catch (e) {
  fail(`apt-get could not install chromium (${e instanceof Error ? e.message : e}).`);
}
if (!existsSync(CHROMIUM)) fail(`apt-get finished but ${CHROMIUM} is still missing.`);
console.log(`ensure-chromium: installed ${CHROMIUM}`);
