// Seeds the Medusa peer for Crosscart's adapter tests and writes what the
// tests need (ids, the publishable key) as JSON to $CROSSCART_SEED_OUT.
const { ContainerRegistrationKeys, Modules, ProductStatus } = require("@medusajs/framework/utils")
const {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createPromotionsWorkflow,
  createShippingOptionsWorkflow,
  createTaxRegionsWorkflow,
  createLocationFulfillmentSetWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createStockLocationsWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
} = require("@medusajs/medusa/core-flows")
const { writeFileSync } = require("node:fs")

// Prices in major units, as Medusa stores them: 159 = €159.00, 12.5 = €12.50.
const PRODUCTS = [
  { handle: "trail-boots", title: "Trail Hiking Boots", variants: [["EU 40", "TB-40", 159], ["EU 42", "TB-42", 159]] },
  { handle: "merino-socks", title: "Merino Hiking Socks", variants: [["M", "MS-M", 19.9]] },
  { handle: "boot-laces", title: "Round Boot Laces 150 cm", variants: [["One size", "BL-1", 6]] },
  { handle: "waterproofing-spray", title: "Waterproofing Spray <300 ml> & \"more\"", variants: [["300 ml", "WS-300", 12.5]] },
  // Not counted by the shop (`manage_inventory: false`): always sellable.
  { handle: "gift-card", title: "Gift Card", variants: [["€25", "GC-25", 25, false]] },
]

// Units per SKU: [at the Berlin store (pickup), in the warehouse].
const STOCK = {
  "TB-40": [2, 10], "TB-42": [0, 5], "MS-M": [6, 40], "BL-1": [0, 0], "WS-300": [3, 0],
}

exports.default = async function seed({ container }) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const fulfillment = container.resolve(Modules.FULFILLMENT)
  const link = container.resolve(ContainerRegistrationKeys.LINK)

  const { result: [channel] } = await createSalesChannelsWorkflow(container).run({
    input: { salesChannelsData: [{ name: "Crosscart web" }] },
  })
  // Three regions: no tax (most tests), a VAT-inclusive one (shelf prices
  // include 25 % VAT) and a tax-added one (10 % sales tax on top).
  const { result: [region, vatRegion, taxAddedRegion] } = await createRegionsWorkflow(container).run({
    input: {
      regions: [
        { name: "Europe", currency_code: "eur", countries: ["de", "ua"], automatic_taxes: false, payment_providers: ["pp_system_default"] },
        { name: "Denmark", currency_code: "eur", countries: ["dk"], automatic_taxes: true, is_tax_inclusive: true },
        { name: "United States", currency_code: "usd", countries: ["us"], automatic_taxes: true },
      ],
    },
  })
  await createTaxRegionsWorkflow(container).run({
    input: [
      { country_code: "dk", provider_id: "tp_system", default_tax_rate: { rate: 25, code: "DK-VAT", name: "Moms 25 %" } },
      { country_code: "us", provider_id: "tp_system", default_tax_rate: { rate: 10, code: "US-SALES", name: "Sales tax 10 %" } },
    ],
  })
  const { result: locations } = await createStockLocationsWorkflow(container).run({
    input: {
      locations: [
        { name: "Crosscart Berlin Mitte", address: { address_1: "Rosenthaler Str. 40", city: "Berlin", postal_code: "10178", country_code: "de" } },
        { name: "Warehouse Leipzig", address: { address_1: "Am Exer 10", city: "Leipzig", postal_code: "04158", country_code: "de" } },
      ],
    },
  })
  const [store, warehouse] = locations
  for (const loc of locations) {
    await linkSalesChannelsToStockLocationWorkflow(container).run({ input: { id: loc.id, add: [channel.id] } })
  }
  // The store offers pickup; the warehouse ships.
  await createLocationFulfillmentSetWorkflow(container).run({
    input: { location_id: store.id, fulfillment_set_data: { name: "Berlin Mitte pickup", type: "pickup" } },
  })
  await createLocationFulfillmentSetWorkflow(container).run({
    input: { location_id: warehouse.id, fulfillment_set_data: { name: "Leipzig shipping", type: "shipping" } },
  })
  // `medusa db:migrate` already made the default shipping profile.
  const [profile] = await fulfillment.listShippingProfiles({ type: "default" })

  // Flat-rate shipping from the warehouse to every region's countries.
  const [shippingSet] = await fulfillment.listFulfillmentSets({ name: "Leipzig shipping" })
  const zone = await fulfillment.createServiceZones({
    name: "Everywhere we sell",
    fulfillment_set_id: shippingSet.id,
    geo_zones: ["de", "ua", "dk", "us"].map((country_code) => ({ type: "country", country_code })),
  })
  await link.create({ [Modules.STOCK_LOCATION]: { stock_location_id: warehouse.id }, [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" } })
  const { result: [shipping] } = await createShippingOptionsWorkflow(container).run({
    input: [{
      name: "Standard", price_type: "flat", provider_id: "manual_manual", service_zone_id: zone.id, shipping_profile_id: profile.id,
      type: { label: "Standard", description: "2-3 days", code: "standard" },
      prices: [{ currency_code: "eur", amount: 4.9 }, { currency_code: "usd", amount: 5 }],
      rules: [{ attribute: "enabled_in_store", value: "true", operator: "eq" }, { attribute: "is_return", value: "false", operator: "eq" }],
    }],
  })

  // Order codes as shops run them; 15 % of 19.90 is 2.985, below the cent.
  await createPromotionsWorkflow(container).run({
    input: {
      promotionsData: [10, 15].map((value) => ({
        code: value === 10 ? "TENOFF" : "FIFTEEN", type: "standard", status: "active", is_automatic: false,
        application_method: { type: "percentage", target_type: "order", allocation: "across", value },
      })),
    },
  })

  const { result: products } = await createProductsWorkflow(container).run({
    input: {
      products: PRODUCTS.map((p) => ({
        title: p.title,
        handle: p.handle,
        status: ProductStatus.PUBLISHED,
        shipping_profile_id: profile?.id,
        sales_channels: [{ id: channel.id }],
        options: [{ title: "Size", values: p.variants.map((v) => v[0]) }],
        variants: p.variants.map(([title, sku, price, managed = true]) => ({
          title, sku, manage_inventory: managed, options: { Size: title },
          // Denmark's shelf price is its own (region rule), with VAT in it.
          prices: [
            { amount: price, currency_code: "eur" },
            { amount: price, currency_code: "eur", rules: { region_id: vatRegion.id } },
            { amount: price, currency_code: "usd" },
          ],
        })),
      })),
    },
  })

  const { data: items } = await query.graph({ entity: "inventory_item", fields: ["id", "sku"] })
  const levels = items.flatMap((item) => {
    const [atStore, atWarehouse] = STOCK[item.sku] ?? [0, 0]
    return [
      { inventory_item_id: item.id, location_id: store.id, stocked_quantity: atStore },
      { inventory_item_id: item.id, location_id: warehouse.id, stocked_quantity: atWarehouse },
    ]
  })
  await createInventoryLevelsWorkflow(container).run({ input: { inventory_levels: levels } })

  const { result: [key] } = await createApiKeysWorkflow(container).run({
    input: { api_keys: [{ title: "Crosscart tests", type: "publishable", created_by: "seed" }] },
  })
  await linkSalesChannelsToApiKeyWorkflow(container).run({ input: { id: key.id, add: [channel.id] } })

  const variants = {}
  for (const p of products) for (const v of p.variants) variants[v.sku] = v.id
  const out = {
    base_url: process.env.CROSSCART_MEDUSA_URL,
    publishable_key: key.token,
    region_id: region.id,
    vat_region_id: vatRegion.id,
    tax_added_region_id: taxAddedRegion.id,
    shipping_option_id: shipping.id,
    promotion_codes: ["TENOFF", "FIFTEEN"],
    sales_channel_id: channel.id,
    store_location_id: store.id,
    warehouse_location_id: warehouse.id,
    products: Object.fromEntries(products.map((p) => [p.handle, p.id])),
    variants,
  }
  writeFileSync(process.env.CROSSCART_SEED_OUT ?? "seed.json", JSON.stringify(out, null, 2))
  logger.info(`Crosscart seed: ${products.length} products, key ${key.token.slice(0, 8)}…`)
}
