//! The demo shop: a believable electronics-and-outdoor catalog whose products
//! have natural complements (camera → memory card, tripod, bag; phone → case,
//! glass, charger; boots → socks, spray), stores in several time zones with
//! stock, and a generated order history with real co-purchase structure.
//!
//! Everything is deterministic for a given seed, so tests can rely on it.

use crate::db::{self, write_tx};
use crate::error::ApiError;
use crosscart_core::cart::Fulfillment;
use crosscart_core::catalog::{Image, Product, Variant, VariantOption};
use crosscart_core::money::{Currency, Money};
use crosscart_core::order::{Channel, Order, OrderLine};
use crosscart_core::store::{GeoPoint, HoursException, Interval, OpeningHours, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

/// One option's values: (value, colour of its picture, price delta in cents).
type OptionValues = &'static [(&'static str, &'static str, i64)];

struct P {
    handle: &'static str,
    title: &'static str,
    category: &'static str,
    glyph: &'static str,
    /// EUR cents.
    price: i64,
    /// (option name, [(value, colour for the picture, price delta)]).
    option: Option<(&'static str, OptionValues)>,
    colour: &'static str,
    /// Relative chance of being the main item of an order.
    popularity: u32,
    /// (handle, probability in percent) of being bought with this one.
    complements: &'static [(&'static str, u32)],
    description: &'static str,
}

const fn p(handle: &'static str, title: &'static str, category: &'static str, glyph: &'static str, price: i64, colour: &'static str) -> P {
    P { handle, title, category, glyph, price, option: None, colour, popularity: 3, complements: &[], description: "" }
}

fn catalog() -> Vec<P> {
    const COLOURS_CAM: &[(&str, &str, i64)] = &[("Black", "black", 0), ("Silver", "silver", 0)];
    const PHONE: &[(&str, &str, i64)] = &[("Graphite 128 GB", "black", 0), ("Ocean 128 GB", "blue", 0), ("Graphite 256 GB", "black", 10000), ("Ocean 256 GB", "blue", 10000)];
    const CASE: &[(&str, &str, i64)] = &[("Black", "black", 0), ("Navy", "navy", 0), ("Red", "red", 0), ("Pink", "pink", 0)];
    const SD: &[(&str, &str, i64)] = &[("64 GB", "blue", 0), ("128 GB", "blue", 1000), ("256 GB", "blue", 2500)];
    const MICROSD: &[(&str, &str, i64)] = &[("128 GB", "red", 0), ("256 GB", "red", 1800)];
    const BAG: &[(&str, &str, i64)] = &[("Grey", "grey", 0), ("Olive", "olive", 0), ("Black", "black", 0)];
    const BOOT: &[(&str, &str, i64)] = &[("EU 40", "brown", 0), ("EU 41", "brown", 0), ("EU 42", "brown", 0), ("EU 43", "brown", 0), ("EU 44", "brown", 0), ("EU 45", "brown", 0)];
    const SOCK: &[(&str, &str, i64)] = &[("S (36–39)", "grey", 0), ("M (40–43)", "grey", 0), ("L (44–47)", "grey", 0)];
    const EARBUDS: &[(&str, &str, i64)] = &[("White", "white", 0), ("Black", "black", 0)];
    const LAPTOP: &[(&str, &str, i64)] = &[("16 GB / 512 GB", "silver", 0), ("32 GB / 1 TB", "silver", 30000)];
    vec![
        P { option: Some(("Colour", COLOURS_CAM)), popularity: 9, description: "24 MP mirrorless camera with a 15–45 mm kit lens and 4K video.",
            complements: &[("sd-card-pro", 62), ("travel-tripod", 28), ("camera-sling-bag", 34), ("spare-battery-np50", 40), ("uv-filter-58", 18), ("lens-cleaning-kit", 20)],
            ..p("aperture-x100", "Aperture X100 Mirrorless Camera", "cameras", "camera", 89900, "black") },
        P { option: Some(("Colour", COLOURS_CAM)), popularity: 6, description: "Pocketable 20 MP compact with a 10× zoom.",
            complements: &[("sd-card-pro", 55), ("tabletop-tripod", 22), ("lens-pouch", 30), ("spare-battery-np50", 25)],
            ..p("aperture-z20", "Aperture Z20 Compact Camera", "cameras", "camera", 42900, "silver") },
        P { popularity: 5, description: "Waterproof 4K action camera with image stabilisation.",
            complements: &[("microsd-card", 65), ("tabletop-tripod", 20), ("spare-battery-ac4", 45)],
            ..p("action-cam-4k", "Action Cam 4K", "cameras", "camera", 29900, "orange") },
        P { option: Some(("Colour", &[("Mint", "green", 0), ("Pink", "pink", 0), ("Sand", "sand", 0)])), popularity: 4, description: "Prints credit-card-sized photos in 90 seconds.",
            complements: &[("lens-pouch", 25)], ..p("instant-camera-polo", "Polo Instant Camera", "cameras", "camera", 8900, "green") },
        P { option: Some(("Capacity", SD)), popularity: 4, description: "UHS-II SD card, 300 MB/s read, rated for 4K video.",
            complements: &[("lens-cleaning-kit", 8)], ..p("sd-card-pro", "SD Card Pro UHS-II", "memory-cards", "card", 3900, "blue") },
        P { option: Some(("Capacity", MICROSD)), popularity: 4, description: "microSDXC A2 card with SD adapter.", ..p("microsd-card", "microSD Card A2", "memory-cards", "card", 2900, "red") },
        p("cfexpress-256", "CFexpress Type B Card 256 GB", "memory-cards", "card", 18900, "black"),
        P { popularity: 3, description: "Carbon travel tripod, 1.2 kg, folds to 40 cm.", complements: &[("camera-sling-bag", 15)], ..p("travel-tripod", "Travel Tripod Carbon", "tripods", "tripod", 16900, "black") },
        P { popularity: 2, description: "Tabletop tripod with bendable legs.", ..p("tabletop-tripod", "Tabletop Mini Tripod", "tripods", "tripod", 2400, "grey") },
        p("video-monopod", "Video Monopod with Fluid Base", "tripods", "tripod", 9900, "black"),
        P { option: Some(("Colour", BAG)), popularity: 2, description: "Sling bag for a body, two lenses and a tablet.", ..p("camera-sling-bag", "Camera Sling Bag 7 L", "bags", "bag", 7900, "grey") },
        P { popularity: 2, description: "20 L backpack with a padded camera insert.", complements: &[("lens-cleaning-kit", 15)], ..p("camera-backpack-20", "Camera Backpack 20 L", "bags", "bag", 14900, "navy") },
        p("lens-pouch", "Padded Lens Pouch", "bags", "bag", 1900, "sand"),
        p("spare-battery-np50", "Spare Battery NP-50", "camera-accessories", "battery", 4900, "black"),
        p("spare-battery-ac4", "Action Cam Battery Twin Pack", "camera-accessories", "battery", 3400, "black"),
        p("lens-cleaning-kit", "Lens Cleaning Kit", "camera-accessories", "kit", 1500, "blue"),
        p("uv-filter-58", "UV Filter 58 mm", "camera-accessories", "filter", 2900, "black"),
        P { option: Some(("Model", PHONE)), popularity: 10, description: "6.1\" OLED phone with a 50 MP camera and all-day battery.",
            complements: &[("nova-12-silicone-case", 58), ("nova-12-glass", 47), ("charger-30w", 33), ("wireless-earbuds", 14), ("usb-c-cable-2m", 12)],
            ..p("nova-12", "Nova 12 Smartphone", "phones", "phone", 79900, "black") },
        P { option: Some(("Colour", &[("Graphite", "black", 0), ("Rose", "pink", 0)])), popularity: 6, description: "The Nova 12 in a 5.4\" body.",
            complements: &[("nova-12-mini-case", 55), ("nova-12-mini-glass", 44), ("charger-30w", 28)],
            ..p("nova-12-mini", "Nova 12 mini Smartphone", "phones", "phone", 64900, "black") },
        P { popularity: 5, description: "Big-battery 5G phone with a 120 Hz screen.",
            complements: &[("pulse-clear-case", 50), ("pulse-glass", 42), ("charger-30w", 30), ("power-bank-10k", 12)],
            ..p("pulse-5g", "Pulse 5G Smartphone", "phones", "phone", 34900, "blue") },
        P { option: Some(("Colour", CASE)), popularity: 2, description: "Soft-touch silicone case with a microfibre lining.", ..p("nova-12-silicone-case", "Nova 12 Silicone Case", "phone-cases", "case", 2900, "black") },
        P { option: Some(("Colour", &[("Tan", "brown", 0), ("Black", "black", 0)])), popularity: 1, description: "Leather folio with card slots.", ..p("nova-12-folio", "Nova 12 Leather Folio", "phone-cases", "case", 4900, "brown") },
        P { option: Some(("Colour", CASE)), popularity: 1, ..p("nova-12-mini-case", "Nova 12 mini Silicone Case", "phone-cases", "case", 2900, "navy") },
        p("pulse-clear-case", "Pulse 5G Clear Case", "phone-cases", "case", 1900, "white"),
        P { popularity: 2, description: "9H tempered glass, two in a pack, with an alignment frame.", ..p("nova-12-glass", "Nova 12 Tempered Glass (2-pack)", "screen-protection", "glass", 1900, "blue") },
        p("nova-12-mini-glass", "Nova 12 mini Tempered Glass (2-pack)", "screen-protection", "glass", 1900, "blue"),
        p("pulse-glass", "Pulse 5G Tempered Glass", "screen-protection", "glass", 1500, "blue"),
        P { popularity: 3, description: "GaN USB-C charger, 30 W, folding plug.", complements: &[("usb-c-cable-2m", 35)], ..p("charger-30w", "30 W USB-C Charger", "chargers", "charger", 2900, "white") },
        P { popularity: 2, complements: &[("charger-30w", 30)], ..p("wireless-charger", "Wireless Charging Pad 15 W", "chargers", "charger", 3900, "black") },
        p("car-charger", "Dual USB-C Car Charger", "chargers", "charger", 2400, "black"),
        P { option: Some(("Colour", &[("White", "white", 0), ("Black", "black", 0)])), popularity: 2, ..p("usb-c-cable-2m", "USB-C Cable 2 m", "chargers", "cable", 1400, "white") },
        P { popularity: 3, complements: &[("usb-c-cable-2m", 30)], description: "10 000 mAh, charges a phone twice.", ..p("power-bank-10k", "Power Bank 10 000 mAh", "chargers", "battery", 3900, "grey") },
        P { option: Some(("Colour", EARBUDS)), popularity: 5, description: "Noise-cancelling earbuds, 30 h with the case.", complements: &[("earbud-tips", 18), ("wireless-charger", 16)], ..p("wireless-earbuds", "Wireless Earbuds ANC", "audio", "headphones", 12900, "white") },
        P { popularity: 3, complements: &[("usb-c-cable-2m", 10)], ..p("over-ear-anc", "Over-Ear ANC Headphones", "audio", "headphones", 24900, "black") },
        p("earbud-tips", "Memory Foam Ear Tips (3 pairs)", "audio", "headphones", 1900, "grey"),
        P { option: Some(("Configuration", LAPTOP)), popularity: 4, description: "14\" laptop, 1.2 kg, 18 h battery.",
            complements: &[("laptop-sleeve-14", 45), ("wireless-mouse", 38), ("usb-c-hub", 33), ("charger-30w", 8)],
            ..p("aero-14", "Aero 14 Laptop", "laptops", "laptop", 129900, "silver") },
        P { option: Some(("Colour", &[("Grey", "grey", 0), ("Navy", "navy", 0)])), popularity: 1, ..p("laptop-sleeve-14", "Laptop Sleeve 14\"", "laptops", "bag", 2900, "grey") },
        P { popularity: 2, ..p("wireless-mouse", "Wireless Mouse", "laptops", "mouse", 2900, "black") },
        p("usb-c-hub", "USB-C Hub 7-in-1", "laptops", "cable", 4900, "grey"),
        P { option: Some(("Size", BOOT)), popularity: 7, description: "Waterproof leather hiking boots with a grippy sole.",
            complements: &[("merino-socks", 52), ("waterproofing-spray", 36), ("boot-laces", 12)],
            ..p("trail-boots", "Trail Hiking Boots", "outdoor", "boot", 15900, "brown") },
        P { option: Some(("Size", SOCK)), popularity: 3, complements: &[("waterproofing-spray", 6)], ..p("merino-socks", "Merino Hiking Socks", "outdoor", "sock", 1900, "grey") },
        p("waterproofing-spray", "Waterproofing Spray 300 ml", "outdoor", "spray", 1200, "green"),
        p("boot-laces", "Round Boot Laces 150 cm", "outdoor", "cable", 600, "red"),
        P { popularity: 3, complements: &[("merino-socks", 20), ("power-bank-10k", 15)], ..p("daypack-25", "Hiking Daypack 25 L", "outdoor", "bag", 8900, "olive") },
    ]
}

fn image(glyph: &str, colour: &str, alt: &str) -> Image {
    Image { url: format!("/media/{glyph}-{colour}.svg"), alt: alt.to_owned() }
}

/// The demo catalog as core products (ids are stable: `p-<handle>`, `v-<handle>-<n>`).
pub fn products() -> Vec<Product> {
    catalog()
        .into_iter()
        .map(|d| {
            let id = format!("p-{}", d.handle);
            let variants = match d.option {
                None => vec![Variant {
                    id: format!("v-{}-1", d.handle), product_id: id.clone(), title: String::new(),
                    sku: d.handle.to_uppercase(), options: vec![], price: Money::new(d.price, Currency::EUR), image: None,
                }],
                Some((name, values)) => values
                    .iter()
                    .enumerate()
                    .map(|(i, (value, colour, delta))| Variant {
                        id: format!("v-{}-{}", d.handle, i + 1), product_id: id.clone(), title: (*value).to_owned(),
                        sku: format!("{}-{}", d.handle.to_uppercase(), i + 1),
                        options: vec![VariantOption { name: name.to_owned(), value: (*value).to_owned() }],
                        price: Money::new(d.price + delta, Currency::EUR),
                        image: Some(image(d.glyph, colour, &format!("{} — {}", d.title, value))),
                    })
                    .collect(),
            };
            Product {
                id, handle: d.handle.to_owned(), title: d.title.to_owned(), description: d.description.to_owned(),
                category: d.category.to_owned(), images: vec![image(d.glyph, d.colour, d.title)], variants,
            }
        })
        .collect()
}

fn week(weekday: (u16, u16), sat: Option<(u16, u16)>, sun: Option<(u16, u16)>) -> Vec<Vec<Interval>> {
    let iv = |(o, c): (u16, u16)| vec![Interval { open: o * 60, close: c * 60 }];
    let mut w: Vec<Vec<Interval>> = (0..5).map(|_| iv(weekday)).collect();
    w.push(sat.map(iv).unwrap_or_default());
    w.push(sun.map(iv).unwrap_or_default());
    w
}

/// Stores in several countries and time zones.
pub fn stores() -> Vec<Store> {
    let holidays = || vec![
        HoursException { date: "2026-12-25".into(), intervals: vec![] },
        HoursException { date: "2026-12-31".into(), intervals: vec![Interval { open: 600, close: 900 }] },
    ];
    let s = |id: &str, name: &str, address: &str, city: &str, postal: &str, country: &str, lat: f64, lon: f64, tz: &str, weekly: Vec<Vec<Interval>>, lead: u32| Store {
        id: id.into(), name: name.into(), address: address.into(), city: city.into(), postal_code: postal.into(), country: country.into(),
        location: GeoPoint { lat, lon }, hours: OpeningHours { timezone: tz.into(), weekly, exceptions: holidays() },
        phone: String::new(), pickup_lead_hours: lead,
        // The warehouse near Leipzig reaches every store but Vilnius in two days.
        transfer_hours: (country != "LT").then_some(48),
    };
    let mut late = week((10, 22), Some((10, 22)), Some((12, 20)));
    // Friday and Saturday open until 01:00 the next day.
    late[4] = vec![Interval { open: 600, close: 1500 }];
    late[5] = vec![Interval { open: 600, close: 1500 }];
    vec![
        s("berlin-mitte", "Crosscart Berlin Mitte", "Rosenthaler Str. 40", "Berlin", "10178", "DE", 52.5262, 13.4019, "Europe/Berlin", week((10, 20), Some((10, 20)), None), 2),
        s("berlin-kreuzberg", "Crosscart Berlin Kreuzberg", "Oranienstr. 164", "Berlin", "10969", "DE", 52.5019, 13.4115, "Europe/Berlin", late.clone(), 3),
        s("hamburg", "Crosscart Hamburg", "Mönckebergstr. 7", "Hamburg", "20095", "DE", 53.5507, 10.0000, "Europe/Berlin", week((10, 20), Some((10, 20)), None), 2),
        s("munich", "Crosscart München", "Kaufingerstr. 28", "München", "80331", "DE", 48.1374, 11.5733, "Europe/Berlin", week((10, 20), Some((9, 20)), None), 2),
        s("vienna", "Crosscart Wien", "Mariahilfer Str. 77", "Wien", "1060", "AT", 48.1986, 16.3486, "Europe/Vienna", week((10, 19), Some((9, 18)), None), 2),
        s("prague", "Crosscart Praha", "Na Příkopě 22", "Praha", "110 00", "CZ", 50.0853, 14.4260, "Europe/Prague", week((9, 21), Some((9, 21)), Some((10, 20))), 3),
        s("warsaw", "Crosscart Warszawa", "ul. Marszałkowska 104", "Warszawa", "00-017", "PL", 52.2330, 21.0080, "Europe/Warsaw", week((10, 21), Some((10, 21)), Some((10, 19))), 2),
        s("krakow", "Crosscart Kraków", "ul. Floriańska 30", "Kraków", "31-019", "PL", 50.0637, 19.9400, "Europe/Warsaw", week((10, 20), Some((10, 20)), None), 4),
        s("vilnius", "Crosscart Vilnius", "Gedimino pr. 9", "Vilnius", "01103", "LT", 54.6872, 25.2797, "Europe/Vilnius", week((10, 20), Some((10, 18)), Some((10, 16))), 3),
        s("kyiv", "Crosscart Kyiv Khreshchatyk", "vul. Khreshchatyk 15", "Kyiv", "01001", "UA", 50.4474, 30.5226, "Europe/Kyiv", late, 2),
        s("lviv", "Crosscart Lviv", "pl. Rynok 10", "Lviv", "79008", "UA", 49.8419, 24.0316, "Europe/Kyiv", week((10, 21), Some((10, 21)), Some((11, 19))), 3),
    ]
}

/// A pop-up store that has not published opening hours (the SDK must say
/// "hours not available", never "closed"). Kept out of [`stores`] so the
/// generated order history does not change.
pub fn popup_store() -> Store {
    Store {
        id: "potsdam-popup".into(), name: "Crosscart Pop-up Potsdam".into(), address: "Brandenburger Str. 3".into(), city: "Potsdam".into(),
        postal_code: "14467".into(), country: "DE".into(), location: GeoPoint { lat: 52.3995, lon: 13.0561 }, hours: OpeningHours::default(),
        phone: String::new(), pickup_lead_hours: 4, transfer_hours: None,
    }
}

/// Seeds the demo shop into an empty database (does nothing otherwise).
/// `now_ms` anchors the order history: orders fall in the 180 days before it.
/// The demo shop's discount codes: `TENOFF` (10 %) and `FIVE` (€5 off from €50), combinable.
pub fn demo_codes() -> Vec<crosscart_core::promo::Promotion> {
    use crosscart_core::money::{Currency, Money};
    use crosscart_core::promo::{Promotion, Value};
    let base = Promotion { code: String::new(), value: Value::Percent(10), min_subtotal: None, starts_at: None, ends_at: None, usage_limit: None, per_customer_limit: None, combinable: true };
    vec![
        Promotion { code: "TENOFF".into(), ..base.clone() },
        Promotion { code: "FIVE".into(), value: Value::Amount(Money::new(500, Currency::EUR)), min_subtotal: Some(Money::new(5_000, Currency::EUR)), ..base },
    ]
}

/// The demo shop's delivery: €4.90, free from €50 of merchandise.
pub fn demo_shipping() -> crosscart_core::cart::ShippingRule {
    use crosscart_core::money::{Currency, Money};
    crosscart_core::cart::ShippingRule { rate: Money::new(490, Currency::EUR), free_over: Money::new(5_000, Currency::EUR) }
}

pub fn seed_demo(conn: &mut Connection, now_ms: i64, rng_seed: u64) -> Result<bool, ApiError> {
    if !db::is_empty(conn)? {
        return Ok(false);
    }
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let products = products();
    let stores = stores();
    let tx = write_tx(conn)?;
    for (i, p) in products.iter().enumerate() {
        db::insert_product(&tx, p, i as i64)?;
    }
    for (i, s) in stores.iter().enumerate() {
        db::insert_store(&tx, s, i as i64)?;
    }
    for s in &stores {
        for p in &products {
            for v in &p.variants {
                // Roughly a quarter out of stock, some low, some plenty.
                let q = match rng.gen_range(0..100) {
                    0..=24 => 0,
                    25..=49 => rng.gen_range(1..=3),
                    _ => rng.gen_range(4..=25),
                };
                db::set_stock(&tx, &s.id, &v.id, q)?;
            }
        }
    }
    for o in order_history(&products, &stores, now_ms, &mut rng) {
        let key: String = (0..16).map(|_| format!("{:02x}", rng.r#gen::<u8>())).collect();
        db::insert_order(&tx, &o, &key, None, "", "")?;
    }
    // Click & collect extras, from their own generator so the history above stays as it was.
    let mut rng = StdRng::seed_from_u64(rng_seed ^ 0x5707_c0ec);
    let popup = popup_store();
    db::insert_store(&tx, &popup, stores.len() as i64)?;
    for v in products.iter().flat_map(|p| &p.variants) {
        db::set_stock(&tx, &popup.id, &v.id, rng.gen_range(0..=2))?;
        db::set_warehouse_stock(&tx, &v.id, if rng.gen_range(0..10) == 0 { 0 } else { rng.gen_range(5..=60) })?;
    }
    // The demo shop offers 5 % off items bought together from a bundle.
    db::set_bundle_percent(&tx, 5)?;
    // Two discount codes to try: 10 % off, and €5 off from €50 (they combine).
    for p in demo_codes() {
        db::put_promotion(&tx, &p, now_ms)?;
    }
    db::set_shipping_rule(&tx, Some(&demo_shipping()))?;
    // The socks are on sale: €19.00, were €24.00.
    for v in products.iter().filter(|p| p.id == "p-merino-socks").flat_map(|p| &p.variants) {
        db::set_compare_at(&tx, &v.id, Some(v.price.amount + 500))?;
    }
    tx.commit()?;
    Ok(true)
}

/// Number of orders in the generated history.
pub const HISTORY_ORDERS: usize = 3000;

fn order_history(products: &[Product], stores: &[Store], now_ms: i64, rng: &mut StdRng) -> Vec<Order> {
    let defs = catalog();
    let total_pop: u32 = defs.iter().map(|d| d.popularity).sum();
    let by_handle = |h: &str| products.iter().position(|p| p.handle == h);
    let mut orders = Vec::with_capacity(HISTORY_ORDERS);
    for n in 0..HISTORY_ORDERS {
        let mut pick = rng.gen_range(0..total_pop);
        let anchor = defs.iter().position(|d| if pick < d.popularity { true } else { pick -= d.popularity; false }).unwrap_or(0);
        let mut items = vec![anchor];
        for (h, pct) in defs[anchor].complements {
            if rng.gen_range(0..100) < *pct
                && let Some(i) = by_handle(h) {
                    items.push(i);
                }
        }
        // Background noise: an unrelated item now and then.
        if rng.gen_range(0..100) < 12 {
            items.push(rng.gen_range(0..products.len()));
        }
        items.sort_unstable();
        items.dedup();
        let channel = match rng.gen_range(0..10) {
            0..=5 => Channel::Web,
            6..=7 => Channel::App,
            _ => Channel::Store,
        };
        let pickup_store = (channel == Channel::Store || rng.gen_range(0..5) == 0).then(|| stores[rng.gen_range(0..stores.len())].id.clone());
        let lines: Vec<OrderLine> = items
            .iter()
            .map(|&i| {
                let p = &products[i];
                let v = &p.variants[rng.gen_range(0..p.variants.len())];
                let qty = if rng.gen_range(0..10) == 0 { 2 } else { 1 };
                OrderLine {
                    variant_id: v.id.clone(), product_id: p.id.clone(), title: p.title.clone(), variant_title: v.title.clone(),
                    quantity: qty, unit_price: v.price, line_total: Money::new(v.price.amount * i64::from(qty), Currency::EUR),
                    fulfillment: pickup_store.clone().map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id }),
                    discount: None,
                }
            })
            .collect();
        let subtotal = Money::sum(Currency::EUR, lines.iter().map(|l| l.line_total)).unwrap_or(Money::zero(Currency::EUR));
        let age_ms = rng.gen_range(0..180i64 * 86_400_000);
        orders.push(Order {
            id: format!("hist-{n:05}"), number: 0, channel, currency: Currency::EUR, lines, subtotal, discount: None, shipping: None, total: subtotal,
            created_at: now_ms - age_ms, key: None,
        });
    }
    orders.sort_by_key(|o| o.created_at);
    orders
}

/// Imports extra products from a JSON file of `{"products": [...]}` (the
/// reference protocol's list shape), skipping ids that already exist.
pub fn import_products(conn: &mut Connection, json: &str) -> Result<usize, ApiError> {
    let list: crosscart_core::protocol::reference::ProductList =
        serde_json::from_str(json).map_err(|e| ApiError::bad_request("invalid_catalog", format!("catalog file: {e}")))?;
    let tx = write_tx(conn)?;
    let mut added = 0;
    let start: i64 = tx.query_row("SELECT coalesce(max(position), 0) + 1 FROM products", [], |r| r.get(0))?;
    for (i, p) in list.products.iter().enumerate() {
        if db::get_product(&tx, &p.id)?.is_none() {
            db::insert_product(&tx, p, start + i as i64)?;
            added += 1;
        }
    }
    tx.commit()?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_is_believable() {
        let ps = products();
        assert!(ps.len() >= 40, "{} products", ps.len());
        let cats: std::collections::BTreeSet<_> = ps.iter().map(|p| p.category.as_str()).collect();
        assert!(cats.len() >= 5);
        let mut ids = std::collections::HashSet::new();
        for p in &ps {
            assert!(!p.variants.is_empty());
            for v in &p.variants {
                assert!(ids.insert(v.id.clone()), "duplicate variant id {}", v.id);
                assert!(v.price.amount > 0);
            }
            for img in p.images.iter().chain(p.variants.iter().filter_map(|v| v.image.as_ref())) {
                let file = img.url.trim_start_matches("/media/");
                assert!(crate::media::render(file).is_some(), "no picture for {}", img.url);
            }
        }
        // Every complement named in the catalog exists.
        for d in catalog() {
            for (h, _) in d.complements {
                assert!(ps.iter().any(|p| p.handle == *h), "unknown complement {h}");
            }
        }
        assert!(stores().len() >= 8);
    }

    #[test]
    fn history_has_co_purchase_structure() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        assert!(seed_demo(&mut conn, 1_790_000_000_000, 7).unwrap());
        assert!(!seed_demo(&mut conn, 1_790_000_000_000, 7).unwrap(), "second seed must do nothing");
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT count(*) FROM orders") as usize, HISTORY_ORDERS);
        let with_camera = count("SELECT count(DISTINCT order_id) FROM order_lines WHERE product_id = 'p-aperture-x100'");
        let camera_and_card = count(
            "SELECT count(*) FROM (SELECT order_id FROM order_lines WHERE product_id IN ('p-aperture-x100','p-sd-card-pro') GROUP BY order_id HAVING count(DISTINCT product_id) = 2)",
        );
        assert!(with_camera > 100);
        // The planted rule camera → SD card holds with confidence around 0.6.
        let confidence = camera_and_card as f64 / with_camera as f64;
        assert!((0.45..0.8).contains(&confidence), "confidence {confidence}");
    }
}
