// Browser-side bought-together lookups: load a model made by `crosscart mine`
// through the SDK's loadModel() in headless Chromium and time single
// recommend() calls (a cross-origin-isolated page, so performance.now() has
// fine resolution). usage: node tests/e2e/bench-model-lookup.mjs BASE_URL MODEL_FILE (run by cargo xtask bench fbt)
import { readFileSync } from 'node:fs';
import { launch, benchPage } from './helpers.mjs';

const [base, modelPath] = process.argv.slice(2);
const model = readFileSync(modelPath);
const browser = await launch();
try {
  const page = await benchPage(browser, base, { '/__bench.ccfbt': { type: 'application/octet-stream', body: model } });
  const result = await page.evaluate(async () => {
    const sdk = await import('/sdk/crosscart.js');
    const t0 = performance.now();
    const m = await sdk.loadModel('/__bench.ccfbt');
    const loadMs = performance.now() - t0;
    const n = m.items;
    const times = [];
    let found = 0;
    for (let i = 0; i < 20000; i++) {
      const item = String(1 + ((i * 7919) % n));
      const s = performance.now();
      const recs = m.recommend([item], [], 5);
      times.push(performance.now() - s);
      found += recs.length > 0 ? 1 : 0;
    }
    times.sort((a, b) => a - b);
    const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    return { isolated: crossOriginIsolated, items: n, loadMs, found, p50: q(0.5), p99: q(0.99), max: times[times.length - 1] };
  });
  console.log(`browser lookup (Chromium, cross-origin isolated: ${result.isolated}): ${result.items} items, model ${model.length} bytes (${(model.length / result.items).toFixed(1)} B/item), load+check ${result.loadMs.toFixed(1)} ms`);
  console.log(`  recommend() for one product, 20,000 calls: p50 ${(result.p50 * 1000).toFixed(1)} µs, p99 ${(result.p99 * 1000).toFixed(1)} µs, max ${(result.max * 1000).toFixed(1)} µs (target p99 ≤ 100 µs); ${result.found} calls found complements`);
} finally {
  await browser.close();
}
