// A simulated run of post-checkout offers through the reference server's
// real API: generated customers view products, buy, get (or, held out, do not
// get) an offer, accept, dismiss or ignore it, and some come back later for a
// complement on their own. The behaviour model is an assumption (below), the
// server's decisions (arm, caps, items, prices, expiry) are real.
// usage: node tests/e2e/sim-offers.mjs BASE_URL CUSTOMERS (run by cargo xtask simulate offers)
const [base, customersArg] = process.argv.slice(2);
const customers = Number(customersArg ?? 3000);

// Seeded, so two runs make the same customers.
let seed = 20261122;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (arr) => arr[Math.floor(random() * arr.length)];

// Behaviour model (assumed, per shown offer): a discount doubles acceptance.
const ACCEPT = { 'discount-10': 0.14, 'no-discount': 0.07 };
const DISMISS = 0.3; // of those who do not accept
const CHECKOUT_ACCEPTED = 0.85; // of accepted carts, how many are paid
const ORGANIC = 0.04; // any customer buys a complement later on their own
const REPEAT = 0.15; // customers who order again within the week (meets the cap)

async function api(method, path, body, headers = {}) {
  const r = await fetch(`${base}/v1${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function buy(variants, email) {
  const cart = (await api('POST', '/carts', {})).body;
  for (const v of variants) await api('POST', `/carts/${cart.id}/lines`, { variant_id: v, quantity: 1 });
  return checkout(cart.id, email);
}

async function checkout(cartId, email) {
  const r = await api('POST', '/orders', { cart_id: cartId, email, channel: pick(['web', 'web', 'app', 'store']) });
  if (r.status !== 201) throw new Error(`checkout: ${JSON.stringify(r.body)}`);
  return r.body;
}

const products = (await api('GET', '/products')).body.products.filter((p) => !/<|&/.test(p.title));
const counts = { orders: 0, shown: 0, held: 0, none: 0, accepted: 0, dismissed: 0, organic: 0, errors: 0 };

async function customer(i) {
  const email = `sim${i}@example.com`;
  const anchor = pick(products);
  const viewed = [pick(products).id, pick(products).id];
  const order = await buy([anchor.variants[0].id], email);
  counts.orders++;
  const key = { 'x-order-key': order.key };
  const offer = (await api('GET', `/orders/${order.id}/offer?viewed=${viewed.join(',')}`, undefined, key)).body;
  if (offer.status === 'open') {
    counts.shown++;
    await api('POST', `/orders/${order.id}/offer/events`, { kind: 'impression' }, key);
    const r = random();
    if (r < (ACCEPT[offer.variant] ?? 0.1)) {
      const accepted = await api('POST', `/orders/${order.id}/offer/accept`, {}, key);
      if (accepted.status === 201) {
        counts.accepted++;
        if (random() < CHECKOUT_ACCEPTED) { await checkout(accepted.body.cart.id, email); counts.orders++; }
      } else counts.errors++;
    } else if (random() < DISMISS) {
      await api('POST', `/orders/${order.id}/offer/events`, { kind: 'dismiss' }, key);
      counts.dismissed++;
    }
  } else if (offer.status === 'holdout') {
    counts.held++;
    await api('POST', `/orders/${order.id}/offer/events`, { kind: 'impression' }, key);
  } else counts.none++;
  // On their own: a complement of what they bought (every group alike).
  if (random() < ORGANIC) {
    const recs = (await api('GET', `/recommendations?products=${anchor.id}&limit=3`)).body?.recommendations ?? [];
    if (recs.length) { await buy([pick(recs).product.variants[0].id], email); counts.orders++; counts.organic++; }
  }
  if (random() < REPEAT) {
    const again = await buy([pick(products).variants[0].id], email);
    counts.orders++;
    const capped = (await api('GET', `/orders/${again.id}/offer`, undefined, { 'x-order-key': again.key })).body;
    if (offer.status !== 'none' && capped.status !== 'none') counts.errors++;
  }
}

const started = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 8 }, async () => {
  while (next < customers) await customer(next++);
}));
const seconds = (performance.now() - started) / 1000;
console.log(`simulated ${customers} customers in ${seconds.toFixed(1)} s: ${JSON.stringify(counts)}`);
console.log(`assumed behaviour: accept ${JSON.stringify(ACCEPT)}, dismiss ${DISMISS}, pay an accepted cart ${CHECKOUT_ACCEPTED}, organic follow-up ${ORGANIC}, repeat order ${REPEAT}`);
if (counts.errors) { console.error(`${counts.errors} unexpected answers (a repeat order not capped, a refused acceptance)`); process.exit(1); }
