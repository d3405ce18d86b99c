// A real Vendure 3.7.3 for the adapter suites: its own PostgreSQL database
// (DATABASE_* from `cargo xtask`), bearer tokens exposed to CORS, a channel
// token, 20 % tax included in prices, tracked stock, a 10 % coupon and a
// customer. Writes what the tests need to CROSSCART_SEED_OUT, then serves.
process.env.VENDURE_DISABLE_TELEMETRY = 'true';
const { bootstrap, dummyPaymentHandler, LanguageCode } = require('@vendure/core');
const { populate } = require('@vendure/core/cli');
const fs = require('fs');
const path = require('path');

const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}`;
const CHANNEL = 'crosscart-channel';

const config = {
  apiOptions: {
    port,
    hostname: '127.0.0.1',
    adminApiPath: 'admin-api',
    shopApiPath: 'shop-api',
    cors: { origin: true, credentials: true, exposedHeaders: ['vendure-auth-token'] },
  },
  authOptions: {
    tokenMethod: 'bearer',
    requireVerification: false,
    superadminCredentials: { identifier: 'superadmin', password: 'superadmin' },
  },
  defaultChannelToken: CHANNEL,
  dbConnectionOptions: {
    type: 'postgres',
    host: '127.0.0.1',
    port: Number(process.env.DATABASE_PORT),
    username: 'postgres',
    password: '',
    database: 'vendure',
    synchronize: true,
    logging: false,
  },
  paymentOptions: { paymentMethodHandlers: [dummyPaymentHandler] },
  plugins: [],
};

const initialData = {
  defaultLanguage: LanguageCode.en,
  defaultZone: 'Europe',
  taxRates: [{ name: 'Standard Tax', percentage: 20 }],
  shippingMethods: [{ name: 'Standard Shipping', price: 500 }],
  paymentMethods: [{ name: 'Standard Payment', handler: { code: dummyPaymentHandler.code, arguments: [{ name: 'automaticSettle', value: 'false' }] } }],
  countries: [{ name: 'Germany', code: 'DE', zone: 'Europe' }],
  collections: [
    { name: 'Cameras', filters: [{ code: 'facet-value-filter', args: { facetValueNames: ['cameras'], containsAny: false } }] },
    { name: 'Accessories', filters: [{ code: 'facet-value-filter', args: { facetValueNames: ['accessories'], containsAny: false } }] },
  ],
};

async function gql(api, query, variables, token) {
  const headers = { 'content-type': 'application/json', 'vendure-token': CHANNEL };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/${api}`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(`${api}: ${JSON.stringify(body.errors)}`);
  return { data: body.data, token: res.headers.get('vendure-auth-token') };
}

async function main() {
  await populate(() => bootstrap(config), initialData, path.join(__dirname, 'products.csv'));
  const admin = await gql('admin-api', 'mutation { login(username: "superadmin", password: "superadmin") { ... on CurrentUser { id } } }');
  const promotion = await gql('admin-api', `mutation {
    createPromotion(input: {
      enabled: true, couponCode: "TENOFF",
      translations: [{ languageCode: en, name: "Ten percent off" }],
      conditions: [],
      actions: [{ code: "order_percentage_discount", arguments: [{ name: "discount", value: "10" }] }]
    }) { ... on Promotion { id } ... on ErrorResult { errorCode message } }
  }`, {}, admin.token);
  if (!promotion.data.createPromotion.id) throw new Error(JSON.stringify(promotion.data));
  const email = 'olena@example.com';
  const password = 'correct horse battery';
  const registered = await gql('shop-api', `mutation R($input: RegisterCustomerInput!) { registerCustomerAccount(input: $input) { __typename ... on ErrorResult { message } } }`, { input: { emailAddress: email, password, firstName: 'Olena', lastName: 'K' } });
  if (registered.data.registerCustomerAccount.__typename !== 'Success') throw new Error(JSON.stringify(registered.data));
  const products = await gql('shop-api', '{ products { items { slug variants { id sku stockLevel priceWithTax } } } }');
  const variants = {};
  for (const p of products.data.products.items) for (const v of p.variants) variants[v.sku] = v.id;
  const seed = { base_url: `${base}/shop-api`, channel_token: CHANNEL, coupon: 'TENOFF', email, password, variants };
  if (process.env.CROSSCART_SEED_OUT) fs.writeFileSync(process.env.CROSSCART_SEED_OUT, JSON.stringify(seed, null, 2));
  console.log(`crosscart vendure ready ${base}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
