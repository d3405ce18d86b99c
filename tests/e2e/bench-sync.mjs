// The synced cart's speed, against the release server on loopback:
//  1. cross-tab propagation in Chromium: an edit in one tab until the other tab's
//     cc-cart-sync event (BroadcastChannel), target p95 ≤ 16 ms (one frame);
//  2. cross-device propagation through the server with 1,000 carts followed at
//     once over Server-Sent Events: an operation posted until its push arrives,
//     target p95 ≤ 100 ms;
//  3. server operation throughput, against plain REST adds in the same run.
// usage: node tests/e2e/bench-sync.mjs BASE_URL (run by cargo xtask bench sync)
import { launch } from './helpers.mjs';

const base = process.argv[2];
const q = (arr, p) => { const s = [...arr].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = (ms) => `${ms.toFixed(2).padStart(7)} ms`;
const post = (path, body) => fetch(`${base}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
let failed = false;

// ---------------------------------------------------------------- 1. cross-tab
{
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const a = await context.newPage();
    await a.goto(`${base}/index.html`);
    await a.evaluate(async () => { const sdk = await import('/sdk/crosscart.js'); await sdk.addToCart('v-boot-laces-1', 1); });
    const b = await context.newPage();
    await b.goto(`${base}/index.html`);
    await b.evaluate(async () => {
      const sdk = await import('/sdk/crosscart.js');
      await sdk.getCart();
      window.__seen = [];
      document.addEventListener('cc-cart-sync', (e) => { if (e.detail.source === 'tab') window.__seen.push(performance.timeOrigin + performance.now()); });
    });
    await a.evaluate(async () => { window.__sdk = await import('/sdk/crosscart.js'); await window.__sdk.getCart(); });
    const N = 200;
    const times = [];
    for (let i = 0; i < N; i++) {
      const before = await b.evaluate(() => window.__seen.length);
      const t0 = await a.evaluate(() => { const t = performance.timeOrigin + performance.now(); window.__sdk.addToCart('v-boot-laces-1', 1); return t; });
      const t1 = await b.waitForFunction((n) => window.__seen.length > n && window.__seen[n], before).then((h) => h.jsonValue());
      times.push(t1 - t0);
      // Let the server answer before the next edit, as a person would.
      await a.evaluate(() => new Promise((r) => setTimeout(r, 5)));
    }
    const p95 = q(times, 0.95);
    console.log(`cross-tab (Chromium, BroadcastChannel): ${N} edits, edit → other tab's cc-cart-sync`);
    console.log(`  p50 ${fmt(q(times, 0.5))}   p95 ${fmt(p95)}   max ${fmt(Math.max(...times))}   (target p95 ≤ 16 ms)`);
    failed ||= p95 > 16;
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- 2. cross-device, 1,000 followed carts
{
  const CARTS = 1000, SAMPLES = 300;
  const carts = [];
  for (let i = 0; i < CARTS; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, CARTS - i) }, async () => (await (await post('/carts', {})).json()).id));
    carts.push(...batch);
  }
  // Follow every cart, as 1,000 other devices would.
  const arrivals = new Map();
  const controllers = [];
  const follow = async (id) => {
    const ac = new AbortController();
    controllers.push(ac);
    const r = await fetch(`${base}/v1/carts/${id}/events`, { signal: ac.signal });
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (block.includes('event: ops')) arrivals.get(id)?.(performance.now());
          }
        }
      } catch { /* aborted at the end */ }
    })();
  };
  const t0 = performance.now();
  for (let i = 0; i < CARTS; i += 100) await Promise.all(carts.slice(i, i + 100).map(follow));
  console.log(`cross-device (Server-Sent Events): ${CARTS} carts followed at once (connected in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const times = [];
  let seq = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const id = carts[(i * 7919) % CARTS];
    seq += 1;
    const arrived = new Promise((resolve) => arrivals.set(id, resolve));
    const start = performance.now();
    await post(`/carts/${id}/ops`, { ops: [{ id: { replica: 'bench', seq }, lamport: seq, change: { type: 'add', variant_id: 'v-boot-laces-1', quantity: 1 } }] });
    const at = await Promise.race([arrived, new Promise((r) => setTimeout(() => r(null), 5000))]);
    arrivals.delete(id);
    if (at === null) { console.log('  a push did not arrive within 5 s'); failed = true; continue; }
    times.push(at - start);
  }
  const p95 = q(times, 0.95);
  console.log(`  ${SAMPLES} operations on random carts, post → push at the follower: p50 ${fmt(q(times, 0.5))}   p95 ${fmt(p95)}   max ${fmt(Math.max(...times))}   (target p95 ≤ 100 ms)`);
  failed ||= p95 > 100;

  // ---------------------------------------------------------------- 3. throughput
  const N = 4000, WORKERS = 16;
  const run = async (label, request) => {
    let next = 0;
    const worker = async (w) => { while (next < N) { const i = next++; const r = await request(i, w); if (!r.ok) throw new Error(`${label}: HTTP ${r.status}`); } };
    const s = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    return N / ((performance.now() - s) / 1000);
  };
  const opsRate = await run('ops', (i, w) => post(`/carts/${carts[w * 50 + (i % 50)]}/ops`, { ops: [{ id: { replica: `tput${w}`, seq: i + 1 }, lamport: 10_000 + i, change: { type: 'add', variant_id: 'v-boot-laces-1', quantity: 1 } }] }));
  const restRate = await run('rest', (i, w) => post(`/carts/${carts[w * 50 + (i % 50)]}/lines`, { variant_id: 'v-boot-laces-1', quantity: 1 }));
  console.log(`server throughput (${WORKERS} concurrent clients, ${N} requests each kind, 1,000 carts followed):`);
  console.log(`  replicated ops ${opsRate.toFixed(0).padStart(6)} /s   REST adds (peer) ${restRate.toFixed(0).padStart(6)} /s   ratio ${(opsRate / restRate).toFixed(2)}×`);
  for (const c of controllers) c.abort();
}
if (failed) process.exitCode = 1;
