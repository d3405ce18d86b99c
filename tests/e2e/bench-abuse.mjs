// `cargo xtask bench abuse`: the availability attacks of the adversarial run
// (issue 14) against the release server on loopback, each while a shopper
// reads the catalog: GET /v1/products p50/p95 against the same run's
// baseline, and the server's memory (VmRSS). Fails when an attack pushes the
// catalog's p95 beyond 3× the baseline or memory beyond 200 MB.
//
// Each attack gets a fresh server (the allocator keeps what one attack
// used, which would show in the next row).
//
//   node bench-abuse.mjs CROSSCART_BIN
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.argv[2];
let base;
let pid;

/** A fresh release server with the demo shop on a free loopback port. */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'crosscart-abuse-'));
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--demo', '--database', join(dir, 'shop.db')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const first = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('crosscart listening on '));
      if (line) resolve(line);
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  child.stdout.resume();
  base = first.trim().replace('crosscart listening on ', '');
  pid = child.pid;
  return () => { child.kill(); rmSync(dir, { recursive: true, force: true }); };
}
const rss = () => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = (method, path, body) => fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });

/** Reads the catalog every 50 ms for `ms`; latencies in ms. */
async function shopper(ms) {
  const out = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = performance.now();
    const r = await fetch(`${base}/v1/products`);
    await r.arrayBuffer();
    out.push(performance.now() - t);
    await sleep(50);
  }
  return out;
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const rows = [];
let baseline;
let failures = 0;
async function scenario(name, attack, ms = 8000) {
  const stopServer = await startServer();
  let peak = rss();
  const stop = { done: false };
  const running = attack(stop);
  await sleep(300);
  const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 100);
  const lat = await shopper(ms);
  stop.done = true;
  clearInterval(sampler);
  const note = await running;
  stopServer();
  const row = { name, p50: pct(lat, 0.5), p95: pct(lat, 0.95), mb: peak, note: note ?? '' };
  rows.push(row);
  if (baseline && (row.p95 > 3 * Math.max(baseline.p95, 1) || row.mb > 200)) {
    failures += 1;
    row.note += '  OVER TARGET';
  }
  return row;
}

baseline = await scenario('baseline', async () => {});

await scenario('1,000 followers of one cart, 20 edits/s', async (stop) => {
  const cart = (await (await json('POST', '/v1/carts', {})).json()).id;
  const controllers = [];
  const statuses = {};
  await Promise.all(Array.from({ length: 1000 }, async () => {
    const c = new AbortController();
    controllers.push(c);
    try {
      const r = await fetch(`${base}/v1/carts/${cart}/events`, { signal: c.signal });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.ok) r.body.pipeTo(new WritableStream()).catch(() => {});
    } catch { statuses.error = (statuses.error ?? 0) + 1; }
  }));
  while (!stop.done) {
    await (await json('POST', `/v1/carts/${cart}/lines`, { variant_id: 'v-lens-pouch-1', quantity: 1 })).arrayBuffer();
    await sleep(50);
  }
  controllers.forEach((c) => c.abort());
  return `streams: ${Object.entries(statuses).map(([s, n]) => `${n}×${s}`).join(' ')}`;
});

await scenario('300 half-sent requests (slow headers)', async (stop) => {
  const sockets = [];
  const { hostname, port } = new URL(base);
  for (let i = 0; i < 300; i++) {
    const s = net.connect(Number(port), hostname, () => s.write('GET /v1/prod'));
    s.on('error', () => {});
    sockets.push(s);
  }
  const opened = Date.now();
  while (!stop.done) await sleep(100);
  const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
  sockets.forEach((s) => s.destroy());
  return `${open} of 300 still open after ${((Date.now() - opened) / 1000).toFixed(0)} s`;
}, 12000);

await scenario('sign-in flood, 32 concurrent wrong passwords', async (stop) => {
  const counts = {};
  await Promise.all(Array.from({ length: 32 }, async (_, w) => {
    for (let i = 0; !stop.done; i++) {
      const r = await json('POST', '/v1/sessions', { email: `victim${w}-${i}@example.com`, password: `guess ${i}` });
      await r.arrayBuffer();
      counts[r.status] = (counts[r.status] ?? 0) + 1;
    }
  }));
  return Object.entries(counts).map(([s, n]) => `${n}×${s}`).join(' ');
});

// A long op log: an add to a cart with 40,000 operations in its history
// (folded into snapshots as it grows) against one with 10.
const stopLast = await startServer();
async function addCost(cart) {
  const t = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await (await json('POST', `/v1/carts/${cart}/lines`, { variant_id: 'v-lens-pouch-1', quantity: 1 })).arrayBuffer();
    t.push(performance.now() - s);
  }
  return pct(t, 0.5);
}
async function grow(cart, count) {
  let refused = 0;
  for (let b = 0; b * 100 < count; b++) {
    const ops = Array.from({ length: Math.min(100, count - b * 100) }, (_, i) => ({ id: { replica: 'grow', seq: b * 100 + i + 1 }, lamport: b * 100 + i + 1, change: { type: 'add', variant_id: 'v-sd-card-pro-1', quantity: 1 } }));
    const a = await (await json('POST', `/v1/carts/${cart}/ops`, { ops })).json();
    refused += a.rejected?.length ?? 0;
  }
  return refused;
}
const fresh = (await (await json('POST', '/v1/carts', {})).json()).id;
const long = (await (await json('POST', '/v1/carts', {})).json()).id;
await grow(fresh, 10);
const refused = await grow(long, 40000);
const [short, capped] = [await addCost(fresh), await addCost(long)];
stopLast();

console.log('\nattack (release server, loopback)                 catalog p50   p95    × base   server MB   notes');
for (const r of rows) {
  console.log(`  ${r.name.padEnd(48)} ${r.p50.toFixed(1).padStart(7)} ms ${r.p95.toFixed(1).padStart(6)} ms ${(r.p95 / Math.max(baseline.p95, 1)).toFixed(1).padStart(6)}× ${r.mb.toFixed(0).padStart(8)}   ${r.note}`);
}
console.log(`  an add to a cart with 40,000 ops in its history (${refused} refused): p50 ${capped.toFixed(1)} ms; with 10: ${short.toFixed(1)} ms (${(capped / short).toFixed(1)}×)`);
if (refused > 0 || capped > 2 * short) {
  console.log('  (over target: every op kept, and an add within 2× of a short cart\'s)');
  failures++;
}
console.log(failures ? `\n${failures} attack(s) over target` : '\nevery attack within target');
process.exit(failures ? 1 : 0);
