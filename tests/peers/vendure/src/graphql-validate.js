// Checks every GraphQL document our adapters can send against each
// backend's official schema: Vendure's Shop API by introspecting the real
// Vendure (argv[2], its shop-api URL, with the channel token argv[3]), and
// Shopify's Storefront API from the storefront.schema.json that
// @shopify/hydrogen-react ships (argv[4]). Documents come on stdin, one JSON
// object per line ({"api", "call", "query"}), from `graphql-documents`.
// Prints TAP; a document that does not validate is a failing test.
const { buildClientSchema, getIntrospectionQuery, parse, validate } = require('graphql');
const fs = require('fs');

async function vendureSchema(url, channel) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'vendure-token': channel }, body: JSON.stringify({ query: getIntrospectionQuery() }) });
  const body = await res.json();
  if (!body.data) throw new Error(`introspection failed: ${JSON.stringify(body.errors)}`);
  return buildClientSchema(body.data);
}

function check(schema, doc) {
  try {
    return validate(schema, parse(doc.query)).map((e) => e.message);
  } catch (e) {
    return [e.message];
  }
}

async function main() {
  const [seedFile, shopifyJson] = process.argv.slice(2);
  const seed = JSON.parse(fs.readFileSync(seedFile, 'utf8'));
  const schemas = {
    vendure: await vendureSchema(seed.base_url, seed.channel_token),
    shopify: buildClientSchema(JSON.parse(fs.readFileSync(shopifyJson, 'utf8')).data ?? JSON.parse(fs.readFileSync(shopifyJson, 'utf8'))),
  };
  const docs = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  // The checker itself must catch a bad query: a field neither schema has.
  docs.push({ api: 'vendure', call: 'control: a field that does not exist', query: '{ activeOrder { id noSuchField } }', expectInvalid: true });
  docs.push({ api: 'shopify', call: 'control: a field that does not exist', query: '{ shop { name noSuchField } }', expectInvalid: true });
  let failed = 0;
  docs.forEach((doc, i) => {
    const errors = check(schemas[doc.api], doc);
    const ok = doc.expectInvalid ? errors.length > 0 : errors.length === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok' : 'not ok'} ${i + 1} - ${doc.api} ${doc.call}${ok ? '' : `\n  ---\n  errors: ${JSON.stringify(doc.expectInvalid ? ['validated'] : errors)}\n  ...`}`);
  });
  console.log(`1..${docs.length}\n# pass ${docs.length - failed}\n# fail ${failed}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
