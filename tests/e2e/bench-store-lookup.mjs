// Browser-side nearest-k: the SDK's StoreFinder (k-d tree in WASM) over the
// 10,000 stores written by the native half, against a brute-force JavaScript
// scan (haversine to every store, then sort) on the same page and queries.
// A cross-origin-isolated page, so performance.now() has fine resolution.
// usage: node tests/e2e/bench-store-lookup.mjs BASE_URL STORES_JSON (run by cargo xtask bench stock)
import { readFileSync } from 'node:fs';
import { launch, benchPage } from './helpers.mjs';

const [base, storesPath] = process.argv.slice(2);
const stores = readFileSync(storesPath);
const browser = await launch();
try {
  const page = await benchPage(browser, base, { '/__stores.json': { type: 'application/json', body: stores } });
  const r = await page.evaluate(async () => {
    const sdk = await import('/sdk/crosscart.js');
    const list = await (await fetch('/__stores.json')).json();
    let t0 = performance.now();
    const finder = await sdk.storeFinder(list);
    const buildMs = performance.now() - t0;
    // The same deterministic query points for both.
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const queries = Array.from({ length: 5000 }, () => [36 + rnd() * 34, -10 + rnd() * 50]);
    const K = 10;
    const time = (f) => {
      const t = [];
      let check = 0;
      for (const [lat, lon] of queries) {
        const s = performance.now();
        const res = f(lat, lon);
        t.push(performance.now() - s);
        check += res[K - 1].distance_m;
      }
      t.sort((a, b) => a - b);
      const q = (p) => t[Math.min(t.length - 1, Math.floor(p * t.length))];
      return { p50: q(0.5), p99: q(0.99), max: t[t.length - 1], check };
    };
    const rad = Math.PI / 180;
    const brute = (lat, lon) => {
      const out = list.map((s) => {
        const dp = (s.location.lat - lat) * rad, dl = (s.location.lon - lon) * rad;
        const a = Math.sin(dp / 2) ** 2 + Math.cos(lat * rad) * Math.cos(s.location.lat * rad) * Math.sin(dl / 2) ** 2;
        return { id: s.id, name: s.name, distance_m: 2 * 6371008.8 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)) };
      });
      out.sort((a, b) => a.distance_m - b.distance_m);
      return out.slice(0, K);
    };
    time((lat, lon) => finder.nearest(lat, lon, K)); // warm up the JIT and the WASM tiers
    time(brute);
    return { isolated: crossOriginIsolated, n: finder.size, buildMs, tree: time((lat, lon) => finder.nearest(lat, lon, K)), brute: time(brute) };
  });
  const us = (ms) => `${(ms * 1000).toFixed(1).padStart(8)} µs`;
  console.log(`browser nearest-k (Chromium, cross-origin isolated: ${r.isolated}): ${r.n} stores, StoreFinder built in ${r.buildMs.toFixed(1)} ms (JSON to WASM + tree), 5,000 queries, k = 10`);
  console.log(`  WASM k-d tree      p50 ${us(r.tree.p50)}   p99 ${us(r.tree.p99)}   max ${us(r.tree.max)}   (target p99 ≤ 1 ms)`);
  console.log(`  JS brute force     p50 ${us(r.brute.p50)}   p99 ${us(r.brute.p99)}   max ${us(r.brute.max)}`);
  console.log(`  ratio              p50 ${(r.brute.p50 / r.tree.p50).toFixed(0)}× faster, p99 ${(r.brute.p99 / r.tree.p99).toFixed(0)}× faster; same answers: ${Math.abs(r.tree.check - r.brute.check) < 1}`);
  if (r.tree.p99 > 1) process.exitCode = 1;
} finally {
  await browser.close();
}
