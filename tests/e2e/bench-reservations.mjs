// Reservation throughput of the reference server over HTTP on loopback: 16
// concurrent shoppers add pickup lines (each one a stock reservation in one
// write transaction) for every (variant, store) with stock, until the stock
// runs out and beyond; the peer measured in the same run is the same number
// of delivery adds (no reservation). Afterwards the stock must have dropped by
// exactly the number of reservations that succeeded.
// usage: node tests/e2e/bench-reservations.mjs BASE_URL (run by cargo xtask bench stock)
const base = process.argv[2];
const N = 4000, WORKERS = 16;
const json = async (r) => { const b = await r.json(); return [r.status, b]; };
const post = (path, body) => fetch(`${base}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(json);
const get = (path) => fetch(`${base}/v1${path}`).then(json);

const [, { products }] = await get('/products');
const variants = products.flatMap((p) => p.variants.map((v) => v.id));
const freeTotal = async () => {
  let sum = 0;
  const pairs = [];
  for (const v of variants) {
    const [, s] = await get(`/variants/${v}/stock`);
    for (const l of s.stock) { sum += l.quantity; if (l.quantity > 0) pairs.push([v, l.store_id]); }
  }
  return { sum, pairs };
};
const before = await freeTotal();

async function run(label, line) {
  let next = 0, ok = 0, refused = 0, other = 0;
  const lat = [];
  const worker = async () => {
    let cart = null, lines = 0;
    while (next < N) {
      const i = next++;
      if (!cart || lines >= 90) { cart = (await post('/carts', {}))[1].id; lines = 0; }
      const s = performance.now();
      const [status, body] = await post(`/carts/${cart}/lines`, line(i));
      lat.push(performance.now() - s);
      if (status === 200) { ok++; lines = body.lines.length; } else if (status === 409 && body.error.code === 'insufficient_stock') refused++; else other++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  console.log(`  ${label.padEnd(22)} ${(N / secs).toFixed(0).padStart(6)} req/s   p50 ${q(0.5).toFixed(2)} ms   p99 ${q(0.99).toFixed(2)} ms   (${ok} ok, ${refused} insufficient_stock, ${other} other)`);
  return { rate: N / secs, ok, other };
}

console.log(`reservation throughput: ${N} requests from ${WORKERS} concurrent shoppers over loopback, ${before.pairs.length} (variant, store) pairs with ${before.sum} units free`);
const reserve = await run('pickup (reservation)', (i) => {
  const [variant_id, store_id] = before.pairs[(i * 7919) % before.pairs.length];
  return { variant_id, quantity: 1, fulfillment: { type: 'pickup', store_id } };
});
const deliver = await run('delivery (peer)', (i) => ({ variant_id: variants[i % variants.length], quantity: 1 }));
const after = await freeTotal();
const exact = before.sum - after.sum === reserve.ok;
console.log(`  ratio                  a reservation costs ${(deliver.rate / reserve.rate).toFixed(2)}× a plain add; units held ${before.sum - after.sum} = reservations accepted ${reserve.ok}: ${exact}`);
if (!exact || reserve.other || deliver.other) process.exitCode = 1;
