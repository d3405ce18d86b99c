//! `crosscart`: the command-line tool.

use clap::{Parser, Subcommand};
use crosscart_core::fbt;
use crosscart_core::money::Currency;
use std::io::Write;
use crosscart_server::{seed, Config, Db};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "crosscart", version, about = "Crosscart: cross-channel cart, bundles, offers and store stock")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the reference commerce API (and the demo pages and SDK, when found).
    Serve(ServeArgs),
    /// Mine an orders export into a compact bought-together model file.
    Mine {
        /// Orders export to read.
        input: PathBuf,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// csv, fimi or jsonl [default: from the file name].
        #[arg(long, value_enum)]
        format: Option<InputFormat>,
        /// Minimum support of a stored pair, in (0, 1].
        #[arg(long, default_value_t = 0.0005)]
        min_support: f64,
        /// Minimum number of baskets a stored pair must appear in (noise guard).
        #[arg(long, default_value_t = 3)]
        min_count: u32,
        /// Largest itemset size, 2 to 8: above 2 the model also keeps, per item, its most
        /// frequent bundles of 3 up to K items (Eclat; counts at least --min-count).
        #[arg(long, default_value_t = 2)]
        max_len: usize,
        /// Complements stored per item.
        #[arg(long, default_value_t = 10)]
        top_k: u16,
    },
    /// Print every association rule of an orders export as CSV:
    /// antecedent,consequent,support,confidence,lift,leverage,conviction.
    Rules {
        /// Orders export to read.
        input: PathBuf,
        /// csv (order_id,item_id with a header), fimi (one basket of integer ids per line)
        /// or jsonl ({"order_id":…,"items":[…]} per line) [default: from the file name].
        #[arg(long, value_enum)]
        format: Option<InputFormat>,
        /// Minimum support, in (0, 1].
        #[arg(long)]
        min_support: f64,
        /// Minimum confidence of a printed rule, in [0, 1].
        #[arg(long, default_value_t = 0.0)]
        min_confidence: f64,
        /// Largest itemset size (antecedent plus consequent); 0 for no limit.
        #[arg(long, default_value_t = 0)]
        max_len: usize,
    },
    /// Reports from a shop's database.
    #[command(subcommand)]
    Report(Report),
    /// The shop's discount codes.
    #[command(subcommand)]
    Promo(Promo),
    /// The shop's delivery rate and the subtotal from which delivery is free.
    #[command(subcommand)]
    Shipping(Shipping),
    /// Which post-checkout experiment group each e-mail address is in (for support and tests).
    OfferGroup {
        /// SQLite file of the shop, as a path or `sqlite://PATH` (its experiment is used).
        #[arg(long, default_value = "crosscart.db")]
        database: String,
        /// Customers' e-mail addresses.
        #[arg(required = true)]
        emails: Vec<String>,
    },
}

#[derive(Subcommand)]
enum Shipping {
    /// Charge --rate for delivery, free from --free-over of merchandise (subtotal after discounts).
    Set {
        /// SQLite file of the shop, as a path or `sqlite://PATH`.
        #[arg(long, default_value = "crosscart.db")]
        database: String,
        /// Delivery charge in major units (`4.90`).
        #[arg(long)]
        rate: String,
        /// Merchandise total from which delivery is free, in major units.
        #[arg(long)]
        free_over: String,
        /// Currency of both amounts (carts in another currency ship without a rule).
        #[arg(long, default_value = "EUR")]
        currency: String,
    },
    /// Print the rule.
    Show {
        /// SQLite file of the shop, as a path or `sqlite://PATH`.
        #[arg(long, default_value = "crosscart.db")]
        database: String,
    },
    /// Remove the rule: no delivery charge, and no free-shipping bar.
    Off {
        /// SQLite file of the shop, as a path or `sqlite://PATH`.
        #[arg(long, default_value = "crosscart.db")]
        database: String,
    },
}

/// The rule from the command line's major-unit amounts.
fn shipping_rule(rate: &str, free_over: &str, currency: &str) -> Result<crosscart_core::cart::ShippingRule, String> {
    use crosscart_core::money::Money;
    let currency = Currency::new(&currency.to_ascii_uppercase()).map_err(|e| format!("--currency {currency}: {e}"))?;
    let money = |flag: &str, s: &str| {
        // A merchant's 4.999 is a typo, not an amount to round.
        if s.split_once('.').is_some_and(|(_, frac)| frac.len() > currency.exponent() as usize) {
            return Err(format!("{flag} {s}: {} has {} decimals", currency.as_str(), currency.exponent()));
        }
        Money::from_major(s, currency).map_err(|e| format!("{flag} {s}: {e}"))
    };
    let rule = crosscart_core::cart::ShippingRule { rate: money("--rate", rate)?, free_over: money("--free-over", free_over)? };
    rule.validate()?;
    Ok(rule)
}

async fn shipping_command(database: &str, set: Option<Option<crosscart_core::cart::ShippingRule>>) -> Result<(), String> {
    let db = existing_db(database)?;
    if let Some(rule) = set {
        db.run(move |c| crosscart_server::db::set_shipping_rule(c, rule.as_ref())).await.map_err(|e| e.message)?;
    }
    match db.run(|c| crosscart_server::db::shipping_rule(c)).await.map_err(|e| e.message)? {
        Some(r) => println!("delivery {} {}, free from {} {}", r.rate.to_decimal_string(), r.rate.currency.as_str(), r.free_over.to_decimal_string(), r.free_over.currency.as_str()),
        None => println!("no shipping rule: delivery is not charged (crosscart shipping set --rate 4.90 --free-over 50)"),
    }
    Ok(())
}

#[derive(Subcommand)]
enum Promo {
    /// Create a discount code (or replace the one with that code): a percentage or an
    /// amount off the cart after its bundle and offer discounts.
    Create {
        /// SQLite file of the shop, as a path or `sqlite://PATH`.
        #[arg(long, default_value = "crosscart.db")]
        database: String,
        /// The code customers type (matched without regard to case).
        code: String,
        /// Percentage off, 1 to 100.
        #[arg(long, conflicts_with = "amount", required_unless_present = "amount")]
        percent: Option<u8>,
        /// Amount off in major units (`5.00`), in --currency.
        #[arg(long)]
        amount: Option<String>,
        /// Currency of --amount and --min-subtotal.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// Subtotal (after other discounts) the cart must reach, in major units.
        #[arg(long)]
        min_subtotal: Option<String>,
        /// Valid from this moment, RFC 3339 (`2026-12-24T00:00:00Z`).
        #[arg(long)]
        starts: Option<String>,
        /// Valid until this moment (exclusive), RFC 3339.
        #[arg(long)]
        ends: Option<String>,
        /// Orders that may use it in all.
        #[arg(long)]
        limit: Option<u32>,
        /// Orders one customer (by e-mail) may use it for.
        #[arg(long)]
        per_customer: Option<u32>,
        /// May be used together with other combinable codes.
        #[arg(long)]
        combinable: bool,
    },
    /// List the discount codes, their rules and how many orders used them.
    List {
        /// SQLite file of the shop, as a path or `sqlite://PATH`.
        #[arg(long, default_value = "crosscart.db")]
        database: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Report {
    /// Post-checkout offers per experiment arm and the holdout group: impressions, acceptance
    /// rate, attach rate (and its uplift over the holdout) and added revenue, with 95 % intervals.
    Offers {
        /// SQLite file of the shop, as a path or `sqlite://PATH`.
        #[arg(long, default_value = "crosscart.db")]
        database: String,
        /// How long after an offer a purchase of an offered item counts: `7d`, `24h`.
        #[arg(long, default_value = "7d", value_parser = parse_duration_ms)]
        window: i64,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// What `crosscart mine` is asked to do.
struct MineArgs {
    input: PathBuf,
    out: PathBuf,
    format: Option<InputFormat>,
    min_support: f64,
    min_count: u32,
    max_len: usize,
    top_k: u16,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum InputFormat {
    Csv,
    Fimi,
    Jsonl,
}

impl From<InputFormat> for fbt::Format {
    fn from(f: InputFormat) -> Self {
        match f {
            InputFormat::Csv => fbt::Format::Csv,
            InputFormat::Fimi => fbt::Format::Fimi,
            InputFormat::Jsonl => fbt::Format::Jsonl,
        }
    }
}

/// Reads a whole file, with a byte progress bar when it is large.
fn read_with_progress(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let err = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = std::fs::File::open(path).map_err(err)?;
    let len = file.metadata().map_err(err)?.len();
    let bar = if len > 16 << 20 {
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template("reading {bar:40} {bytes}/{total_bytes} ({eta})").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut bytes = Vec::with_capacity(len as usize);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk).map_err(err)?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    String::from_utf8(bytes).map_err(|e| format!("{} is not UTF-8 text (byte {})", path.display(), e.utf8_error().valid_up_to()))
}

fn mine_command(a: &MineArgs) -> Result<(), String> {
    if !(2..=8).contains(&a.max_len) {
        return Err(format!("--max-len must be 2 to 8, got {}", a.max_len));
    }
    if a.top_k == 0 {
        return Err("--top-k must be at least 1".into());
    }
    let started = std::time::Instant::now();
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("parsing");
    let baskets = read_baskets(&a.input, a.format)?;
    spinner.set_message(format!("counting pairs in {} baskets", baskets.len()));
    let params = fbt::MineParams { min_support: a.min_support, min_count: a.min_count, max_len: 2 };
    let pairs = fbt::pair_counts(&baskets, &params).map_err(|e| format!("{}: {e}", a.input.display()))?;
    let bundles: Vec<fbt::Itemset> = if a.max_len > 2 {
        spinner.set_message(format!("mining bundles of up to {} items", a.max_len));
        let longer = fbt::MineParams { max_len: a.max_len, ..params };
        fbt::frequent_itemsets(&baskets, &longer).map_err(|e| format!("{}: {e}", a.input.display()))?.into_iter().filter(|s| s.items.len() >= 3).collect()
    } else {
        Vec::new()
    };
    spinner.set_message("building the model");
    let model = fbt::build_model(&baskets, &pairs, &bundles, a.top_k);
    let loaded = fbt::Model::load(&model).map_err(|e| format!("internal error: the new model does not load: {e}"))?;
    let with_complements = (0..baskets.item_count() as u32).filter(|&i| !loaded.complements(baskets.name(i)).is_empty()).count();
    std::fs::write(&a.out, &model).map_err(|e| format!("cannot write {}: {e}", a.out.display()))?;
    spinner.finish_and_clear();
    let items = baskets.item_count().max(1);
    println!("mined {} baskets with {} distinct items in {:.2} s", baskets.len(), baskets.item_count(), started.elapsed().as_secs_f64());
    println!("  frequent pairs: {} (each in at least {} baskets)", pairs.pairs.len(), params.min_count_for(baskets.len()));
    println!("  items with complements: {with_complements} of {}", baskets.item_count());
    if a.max_len > 2 {
        println!("  bundles of 3 to {} items: {}", a.max_len, bundles.len());
    }
    println!(
        "  model: {} — {} bytes, {:.1} bytes per item, top {} complements per item",
        a.out.display(),
        model.len(),
        model.len() as f64 / items as f64,
        a.top_k
    );
    Ok(())
}

/// Reads and parses an orders export, naming the file and line on error.
fn read_baskets(input: &Path, format: Option<InputFormat>) -> Result<fbt::Baskets, String> {
    let text = read_with_progress(input)?;
    let format = format.map_or_else(|| fbt::Format::from_path(&input.to_string_lossy()), Into::into);
    fbt::parse(&text, format).map_err(|e| format!("{}:{e}", input.display()))
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

fn rules_command(input: &Path, format: Option<InputFormat>, min_support: f64, min_confidence: f64, max_len: usize) -> Result<(), String> {
    if !(0.0..=1.0).contains(&min_confidence) {
        return Err(format!("--min-confidence must be in [0, 1], got {min_confidence}"));
    }
    let started = std::time::Instant::now();
    let baskets = read_baskets(input, format)?;
    let parsed = started.elapsed();
    let params = fbt::MineParams { min_support, min_count: 1, max_len };
    let sets = fbt::frequent_itemsets(&baskets, &params).map_err(|e| format!("{}: {e}", input.display()))?;
    let mined = started.elapsed() - parsed;
    let rank = baskets.display_ranks();
    let side = |ids: &[u32]| {
        let mut v: Vec<u32> = ids.to_vec();
        v.sort_by_key(|&i| rank[i as usize]);
        v
    };
    let mut rows: Vec<(Vec<u32>, Vec<u32>, fbt::Rule)> = fbt::rules(&sets, baskets.len() as u32, min_confidence)
        .into_iter()
        .map(|r| (side(&r.antecedent), side(&r.consequent), r))
        .collect();
    let key = |ids: &[u32]| ids.iter().map(|&i| rank[i as usize]).collect::<Vec<u32>>();
    rows.sort_by(|x, y| key(&x.0).cmp(&key(&y.0)).then_with(|| key(&x.1).cmp(&key(&y.1))));
    let names = |ids: &[u32]| ids.iter().map(|&i| baskets.name(i)).collect::<Vec<_>>().join(" ");
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write = || -> std::io::Result<()> {
        writeln!(out, "antecedent,consequent,support,confidence,lift,leverage,conviction")?;
        for (a, c, r) in &rows {
            writeln!(
                out,
                "{},{},{},{},{},{},{}",
                csv_field(&names(a)), csv_field(&names(c)),
                r.support(), r.confidence(), r.lift(), r.leverage(), r.conviction()
            )?;
        }
        out.flush()
    };
    match write() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| format!("cannot write the rules: {e}")),
    }?;
    eprintln!(
        "{} baskets, {} items, {} frequent itemsets, {} rules; read {:.4} s, mine {:.4} s, total {:.4} s",
        baskets.len(), baskets.item_count(), sets.len(), rows.len(), parsed.as_secs_f64(), mined.as_secs_f64(), started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn database_path(spec: &str) -> Result<PathBuf, String> {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        return Err("PostgreSQL storage is not available in this build yet; use a SQLite file path".into());
    }
    let path = spec.strip_prefix("sqlite://").unwrap_or(spec);
    if path.is_empty() {
        return Err("--database needs a file path".into());
    }
    Ok(PathBuf::from(path))
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite file (created if missing), as a path or `sqlite://PATH`.
    #[arg(long, default_value = "crosscart.db")]
    database: String,
    /// Seed the demo shop (catalog, stores, stock, order history) if the database is empty.
    #[arg(long)]
    demo: bool,
    /// Extra products to import, as a JSON file `{"products": [...]}`.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Directory with `demo/` pages and `dist/` SDK files [default: ./www if present].
    #[arg(long, env = "CROSSCART_WWW")]
    www: Option<PathBuf>,
    /// The shop's ISO 4217 currency.
    #[arg(long, default_value = "EUR")]
    currency: String,
    /// Percent off every line of a bundle bought together (0 to 90; kept in the database).
    #[arg(long)]
    bundle_discount: Option<u8>,
    /// How long adding a pickup line holds the store's stock: `90s`, `30m`, `2h` (kept in the database).
    #[arg(long, value_parser = parse_duration_ms)]
    reservation_hold: Option<i64>,
    /// At or below this many units a store shows "low stock" (kept in the database).
    #[arg(long)]
    low_stock: Option<u32>,
    /// Units one cart may hold for pickup at once, all lines together (default 10; kept in the database).
    #[arg(long)]
    max_held_per_cart: Option<u32>,
    /// New carts one client address may make per minute; beyond, 429 `too_many_carts`.
    #[arg(long, default_value_t = crosscart_server::Config::CARTS_PER_MINUTE)]
    carts_per_minute: u32,
    /// An open cart with items unchanged this long is abandoned: `30m`, `1h`, `24h` (kept in the database).
    #[arg(long, value_parser = parse_duration_ms)]
    abandoned_after: Option<i64>,
    /// Where to POST `cart.abandoned` events (an `http://` URL; "" turns it off; kept in the database).
    #[arg(long)]
    abandoned_webhook: Option<String>,
    /// Loyalty points per whole currency unit of an order (kept in the database) [default: 1].
    #[arg(long)]
    loyalty_points: Option<u32>,
    /// The post-checkout experiment, a JSON file `{"id", "holdout_bp", "arms": [{"name", "weight",
    /// "percent_off", "window_ms"}]}` (kept in the database) [default: 10 % holdout, "discount-10"
    /// and "no-discount" arms, 15 minutes].
    #[arg(long)]
    offer_experiment: Option<PathBuf>,
}

/// `90s`, `30m`, `2h` or `500ms` → milliseconds.
fn parse_duration_ms(s: &str) -> Result<i64, String> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 30m"))?;
    let factor = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("{s:?}: the unit must be ms, s, m, h or d")),
    };
    let ms = n.checked_mul(factor).ok_or_else(|| format!("{s:?} is too long"))?;
    if ms <= 0 {
        return Err("the hold must be longer than zero".into());
    }
    Ok(ms)
}

async fn serve(a: ServeArgs) -> Result<(), String> {
    let ServeArgs { addr, database, demo, catalog, www, currency, bundle_discount, reservation_hold, low_stock, max_held_per_cart, carts_per_minute, abandoned_after, abandoned_webhook, loyalty_points, offer_experiment } = a;
    if let Some(url) = abandoned_webhook.as_deref().filter(|u| !u.is_empty())
        && !url.starts_with("http://") {
            return Err(format!("--abandoned-webhook must be an http:// URL (got {url:?}); to reach an https endpoint, point it at a local relay"));
        }
    if bundle_discount.is_some_and(|p| p > crosscart_core::cart::MAX_BUNDLE_PERCENT) {
        return Err(format!("--bundle-discount must be 0 to {}", crosscart_core::cart::MAX_BUNDLE_PERCENT));
    }
    let currency = Currency::new(&currency).map_err(|e| e.to_string())?;
    let path = database_path(&database)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let db = Db::open(&path).map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
    if demo {
        let seeded = db.run(|c| seed::seed_demo(c, crosscart_server::api::now_ms(), 20261122)).await.map_err(|e| e.message)?;
        if seeded {
            eprintln!("seeded the demo shop into {}", path.display());
        }
    }
    if let Some(file) = catalog {
        let json = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let added = db.run(move |c| seed::import_products(c, &json)).await.map_err(|e| e.message)?;
        eprintln!("imported {added} products from {}", file.display());
    }
    if let Some(p) = bundle_discount {
        db.run(move |c| crosscart_server::db::set_bundle_percent(c, p)).await.map_err(|e| e.message)?;
    }
    if let Some(ms) = reservation_hold {
        db.run(move |c| crosscart_server::db::set_reservation_hold_ms(c, ms)).await.map_err(|e| e.message)?;
    }
    if let Some(n) = max_held_per_cart {
        db.run(move |c| crosscart_server::db::set_max_held_per_cart(c, n)).await.map_err(|e| e.message)?;
    }
    if let Some(n) = low_stock {
        db.run(move |c| crosscart_server::db::set_low_stock_threshold(c, n)).await.map_err(|e| e.message)?;
    }
    if let Some(ms) = abandoned_after {
        db.run(move |c| crosscart_server::db::set_abandoned_after_ms(c, ms)).await.map_err(|e| e.message)?;
    }
    if let Some(url) = abandoned_webhook {
        db.run(move |c| crosscart_server::db::set_abandoned_webhook(c, &url)).await.map_err(|e| e.message)?;
    }
    if let Some(n) = loyalty_points {
        db.run(move |c| crosscart_server::offers::set_points_per_unit(c, n)).await.map_err(|e| e.message)?;
    }
    if let Some(file) = offer_experiment {
        let json = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let exp: crosscart_core::offer::Experiment = serde_json::from_str(&json).map_err(|e| format!("{}: {e}", file.display()))?;
        db.run(move |c| crosscart_server::offers::set_experiment(c, &exp)).await.map_err(|e| format!("{}: {}", file.display(), e.message))?;
    }
    let www = www.or_else(|| Some(PathBuf::from("www")).filter(|p| p.join("demo").is_dir()));
    if let Some(w) = &www {
        eprintln!("serving demo pages from {} and the SDK from {}", w.join("demo").display(), w.join("dist").display());
    }
    crosscart_server::serve(addr, db, Config { www, currency, carts_per_minute }).await.map_err(|e| format!("cannot serve on {addr}: {e}"))
}

/// Opens an existing shop database (a report never creates one).
fn existing_db(database: &str) -> Result<Db, String> {
    let path = database_path(database)?;
    if !path.is_file() {
        return Err(format!("no database at {}", path.display()));
    }
    Db::open(&path).map_err(|e| format!("cannot open database {}: {e}", path.display()))
}

async fn report_offers(database: &str, window_ms: i64, json: bool) -> Result<(), String> {
    let db = existing_db(database)?;
    let rows = db.run(move |c| crosscart_server::offers::report(c, window_ms)).await.map_err(|e| e.message)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?);
    } else {
        print!("{}", crosscart_server::offers::report_table(&rows, window_ms as f64 / 86_400_000.0));
    }
    Ok(())
}

async fn offer_group(database: &str, emails: Vec<String>) -> Result<(), String> {
    let db = existing_db(database)?;
    let exp = db.run(|c| crosscart_server::offers::experiment(c)).await.map_err(|e| e.message)?;
    for email in emails {
        let unit = crosscart_server::db::sha256_hex(&crosscart_core::offer::unit_id(&email, ""));
        println!("{email}\t{}", exp.assign(&unit).name());
    }
    Ok(())
}

/// An RFC 3339 moment as Unix milliseconds.
fn parse_moment(s: &str) -> Result<i64, String> {
    let t = humantime::parse_rfc3339_weak(s).map_err(|e| format!("{s:?}: {e} (write it like 2026-12-24T00:00:00Z)"))?;
    let ms = t.duration_since(std::time::UNIX_EPOCH).map_err(|_| format!("{s:?} is before 1970"))?.as_millis();
    i64::try_from(ms).map_err(|_| format!("{s:?} is too far away"))
}

struct PromoArgs {
    code: String,
    percent: Option<u8>,
    amount: Option<String>,
    currency: String,
    min_subtotal: Option<String>,
    starts: Option<String>,
    ends: Option<String>,
    limit: Option<u32>,
    per_customer: Option<u32>,
    combinable: bool,
}

fn promotion(a: PromoArgs) -> Result<crosscart_core::promo::Promotion, String> {
    use crosscart_core::money::Money;
    use crosscart_core::promo::{normalize, Promotion, Value};
    let currency = Currency::new(&a.currency.to_ascii_uppercase()).map_err(|e| format!("--currency {}: {e}", a.currency))?;
    let money = |flag: &str, s: &str| Money::from_major(s, currency).map_err(|e| format!("{flag} {s}: {e}"));
    let value = match (a.percent, &a.amount) {
        (Some(p), None) => Value::Percent(p),
        (None, Some(m)) => Value::Amount(money("--amount", m)?),
        _ => return Err("give either --percent or --amount".into()),
    };
    let p = Promotion {
        code: normalize(&a.code).ok_or_else(|| format!("{:?}: a code is 1 to {} of A-Z, 0-9, - and _", a.code, crosscart_core::promo::MAX_CODE_LEN))?,
        value,
        min_subtotal: a.min_subtotal.as_deref().map(|m| money("--min-subtotal", m)).transpose()?,
        starts_at: a.starts.as_deref().map(parse_moment).transpose()?,
        ends_at: a.ends.as_deref().map(parse_moment).transpose()?,
        usage_limit: a.limit,
        per_customer_limit: a.per_customer,
        combinable: a.combinable,
    };
    p.validate()?;
    Ok(p)
}

async fn promo_create(database: &str, args: PromoArgs) -> Result<(), String> {
    let p = promotion(args)?;
    let db = existing_db(database)?;
    let code = p.code.clone();
    db.run(move |c| crosscart_server::db::put_promotion(c, &p, crosscart_server::api::now_ms())).await.map_err(|e| e.message)?;
    println!("{code} saved");
    Ok(())
}

async fn promo_list(database: &str, json: bool) -> Result<(), String> {
    use crosscart_core::promo::Value;
    let db = existing_db(database)?;
    let rows = db.run(|c| crosscart_server::db::list_promotions(c)).await.map_err(|e| e.message)?;
    if json {
        let out: Vec<serde_json::Value> = rows.iter().map(|(p, uses)| serde_json::json!({ "promotion": p, "uses": uses })).collect();
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let moment = |ms: Option<i64>| ms.map_or_else(|| "—".to_owned(), |ms| humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64)).to_string());
    let limit = |n: Option<u32>| n.map_or_else(|| "—".to_owned(), |n| n.to_string());
    println!("{:<20} {:>14} {:>14} {:<20} {:<20} {:>6} {:>9} {:>5} {:<10}", "code", "off", "min subtotal", "starts", "ends", "limit", "per cust.", "uses", "combines");
    for (p, uses) in &rows {
        let off = match p.value {
            Value::Percent(n) => format!("{n} %"),
            Value::Amount(m) => format!("{} {}", m.to_decimal_string(), m.currency.as_str()),
        };
        let min = p.min_subtotal.map_or_else(|| "—".to_owned(), |m| format!("{} {}", m.to_decimal_string(), m.currency.as_str()));
        println!(
            "{:<20} {:>14} {:>14} {:<20} {:<20} {:>6} {:>9} {:>5} {:<10}",
            p.code, off, min, moment(p.starts_at), moment(p.ends_at), limit(p.usage_limit), limit(p.per_customer_limit), uses, if p.combinable { "yes" } else { "no" }
        );
    }
    if rows.is_empty() {
        println!("(no codes yet: crosscart promo create CODE --percent 10)");
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("crosscart: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Mine { input, out, format, min_support, min_count, max_len, top_k } => {
            mine_command(&MineArgs { input, out, format, min_support, min_count, max_len, top_k })
        }
        Command::Rules { input, format, min_support, min_confidence, max_len } => rules_command(&input, format, min_support, min_confidence, max_len),
        Command::Report(Report::Offers { database, window, json }) => runtime.block_on(report_offers(&database, window, json)),
        Command::OfferGroup { database, emails } => runtime.block_on(offer_group(&database, emails)),
        Command::Promo(Promo::Create { database, code, percent, amount, currency, min_subtotal, starts, ends, limit, per_customer, combinable }) => {
            runtime.block_on(promo_create(&database, PromoArgs { code, percent, amount, currency, min_subtotal, starts, ends, limit, per_customer, combinable }))
        }
        Command::Promo(Promo::List { database, json }) => runtime.block_on(promo_list(&database, json)),
        Command::Shipping(Shipping::Set { database, rate, free_over, currency }) => {
            shipping_rule(&rate, &free_over, &currency).and_then(|r| runtime.block_on(shipping_command(&database, Some(Some(r)))))
        }
        Command::Shipping(Shipping::Show { database }) => runtime.block_on(shipping_command(&database, None)),
        Command::Shipping(Shipping::Off { database }) => runtime.block_on(shipping_command(&database, Some(None))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crosscart: {e}");
            ExitCode::FAILURE
        }
    }
}
