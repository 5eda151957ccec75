import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, securityHeaders } from '../../../config/csp';

describe('security headers', () => {
  it('allow no eval and no inline script; only WASM compilation', () => {
    const p = contentSecurityPolicy();
    expect(p).toMatch(/script-src 'self' 'wasm-unsafe-eval';/);
    expect(p).not.toMatch(/'unsafe-eval'|'unsafe-inline'|blob:|data:|\*/);
    expect(contentSecurityPolicy({ meta: true })).not.toMatch(/frame-ancestors/);
    expect(contentSecurityPolicy({ nonce: 'abc' })).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';.*style-src 'self' 'nonce-abc'/);
  });

  it('are the ones the README tells a static host to send', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const [name, value] of Object.entries(securityHeaders())) expect(readme).toContain(`${name}: ${value}`);
  });
});
