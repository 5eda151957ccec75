import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, securityHeaders } from '../../../config/csp';

describe('security headers', () => {
  it('allow no eval and no inline script; only WASM compilation', () => {
    const p = contentSecurityPolicy();
    const directive = (name: string) => p.split('; ').find((d) => d.startsWith(`${name} `));
    expect(directive('script-src')).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(p).not.toMatch(/'unsafe-eval'|blob:|\*/);
    // The two exceptions, both for the plots (see config/csp.ts): data: images and inline styles, nothing else.
    expect(directive('img-src')).toBe("img-src 'self' data:");
    expect(directive('style-src')).toBe("style-src 'self' 'unsafe-inline'");
    expect(p.split('; ').filter((d) => /data:|'unsafe-inline'/.test(d)).map((d) => d.split(' ')[0])).toEqual(['img-src', 'style-src']);
    for (const d of ['worker-src', 'connect-src', 'default-src']) expect(directive(d)).toBe(`${d} 'self'`);
    expect(contentSecurityPolicy({ meta: true })).not.toMatch(/frame-ancestors/);
    expect(contentSecurityPolicy({ nonce: 'abc' })).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';/);
  });

  it('are the ones the README tells a static host to send', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const [name, value] of Object.entries(securityHeaders())) expect(readme).toContain(`${name}: ${value}`);
  });
});
