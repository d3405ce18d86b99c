//! `crosscart`: the command-line tool.

use clap::{Parser, Subcommand};
use crosscart_core::money::Currency;
use crosscart_server::{seed, Config, Db};
use std::net::SocketAddr;
use std::path::PathBuf;
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crosscart: {e}");
            ExitCode::FAILURE
        }
    }
}
