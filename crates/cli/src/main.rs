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
    Serve {
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

/// Reads and parses an orders export, naming the file and line on error.
fn read_baskets(input: &Path, format: Option<InputFormat>) -> Result<fbt::Baskets, String> {
    let text = std::fs::read_to_string(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
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
    let baskets = read_baskets(input, format)?;
    let params = fbt::MineParams { min_support, min_count: 1, max_len };
    let sets = fbt::frequent_itemsets(&baskets, &params).map_err(|e| format!("{}: {e}", input.display()))?;
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
    eprintln!("{} baskets, {} items, {} frequent itemsets, {} rules", baskets.len(), baskets.item_count(), sets.len(), rows.len());
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

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

async fn serve(addr: SocketAddr, database: String, demo: bool, catalog: Option<PathBuf>, www: Option<PathBuf>, currency: String) -> Result<(), String> {
    let currency = Currency::new(&currency).map_err(|e| e.to_string())?;
    let path = database_path(&database)?;
    let db = Db::open(&path).map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
    if demo {
        let seeded = db.run(|c| seed::seed_demo(c, now_ms(), 20261122)).await.map_err(|e| e.message)?;
        if seeded {
            eprintln!("seeded the demo shop into {}", path.display());
        }
    }
    if let Some(file) = catalog {
        let json = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let added = db.run(move |c| seed::import_products(c, &json)).await.map_err(|e| e.message)?;
        eprintln!("imported {added} products from {}", file.display());
    }
    let www = www.or_else(|| Some(PathBuf::from("www")).filter(|p| p.join("demo").is_dir()));
    if let Some(w) = &www {
        eprintln!("serving demo pages from {} and the SDK from {}", w.join("demo").display(), w.join("dist").display());
    }
    crosscart_server::serve(addr, db, Config { www, currency }).await.map_err(|e| format!("cannot serve on {addr}: {e}"))
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
        Command::Serve { addr, database, demo, catalog, www, currency } => runtime.block_on(serve(addr, database, demo, catalog, www, currency)),
        Command::Rules { input, format, min_support, min_confidence, max_len } => rules_command(&input, format, min_support, min_confidence, max_len),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crosscart: {e}");
            ExitCode::FAILURE
        }
    }
}
