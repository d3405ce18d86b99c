// Part of `cargo xtask bench size`: Lighthouse (mobile defaults: a slow 4G
// network and a 4× slower CPU, simulated) on the demo shop's home, product
// and cart pages, served by the release server with the SDK precompressed.
// Prints each category score and the Web Vitals; fails when performance is
// under 90 or accessibility under 100 on any page.
//
//   LIGHTHOUSE=…/node_modules/.bin/lighthouse node bench-lighthouse.mjs BASE_URL
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2];
const bin = process.env.LIGHTHOUSE;
const FLAGS = '--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync';
const PAGES = [['home', '/index.html'], ['product', '/product.html?handle=trail-boots'], ['cart', '/cart.html']];
const work = mkdtempSync(join(tmpdir(), 'crosscart-lighthouse-'));
let failures = 0;
console.log('\nLighthouse 13, mobile            perf  a11y  best    LCP      TBT     CLS   bytes');
for (const [name, path] of PAGES) {
  const out = join(work, `${name}.json`);
  execFileSync(bin, [`${base}${path}`, '--quiet', '--output=json', `--output-path=${out}`, `--chrome-flags=${FLAGS}`, '--only-categories=performance,accessibility,best-practices'], {
    env: { ...process.env, CHROME_PATH: process.env.CHROMIUM || '/usr/bin/chromium' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const score = (c) => Math.round((r.categories[c].score ?? 0) * 100);
  const a = (id) => r.audits[id];
  const [perf, a11y, best] = [score('performance'), score('accessibility'), score('best-practices')];
  console.log(`  ${name.padEnd(30)} ${String(perf).padStart(4)}  ${String(a11y).padStart(4)}  ${String(best).padStart(4)}  ${a('largest-contentful-paint').displayValue.padStart(6)}  ${a('total-blocking-time').displayValue.padStart(7)}  ${a('cumulative-layout-shift').displayValue.padStart(6)}  ${(a('total-byte-weight').numericValue / 1024).toFixed(0).padStart(4)} KiB`);
  if (perf < 90) { failures += 1; console.log(`  BELOW TARGET: ${name} performance ${perf} < 90`); }
  if (a11y < 100) { failures += 1; console.log(`  BELOW TARGET: ${name} accessibility ${a11y} < 100`); }
}
rmSync(work, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
