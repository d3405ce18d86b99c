//! Real peer backends for the adapter suites, each on a private PostgreSQL
//! cluster on loopback, set up from package registries only and torn down
//! when dropped: a Medusa 2.21 (with Redis; Debian's postgresql and
//! redis-server, Medusa from npm with the lock file in `tests/peers/medusa`)
//! and a Vendure 3.7.3 (`tests/peers/vendure`).

use super::{npm_install, output, root, run, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A private PostgreSQL cluster on loopback, stopped and deleted when dropped.
struct Postgres {
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    /// initdb, start, and create `database`, all under a fresh directory.
    fn start(name: &str, database: &str) -> Result<Postgres> {
        ensure_apt(&format!("{PG_BIN}/initdb"), &["postgresql"])?;
        let dir = std::env::temp_dir().join(format!("crosscart-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let as_postgres = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
        if as_postgres {
            run(Command::new("chown").args(["postgres:postgres"]).arg(&dir))?;
        }
        let pg_port = free_port()?;
        let cluster = Postgres { dir, port: pg_port, as_postgres };
        let pgdata = cluster.dir.join("pg");
        pg(as_postgres, &format!("{PG_BIN}/initdb -D {} -A trust -U postgres -E UTF8 > {}/initdb.log 2>&1", pgdata.display(), cluster.dir.display()))?;
        pg(as_postgres, &format!(
            "{PG_BIN}/pg_ctl -D {data} -o '-p {pg_port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off' -l {dir}/postgres.log -w start",
            data = pgdata.display(),
            dir = cluster.dir.display()
        ))?;
        run(Command::new("psql").args(["-h", "127.0.0.1", "-p", &pg_port.to_string(), "-U", "postgres", "-q", "-c", &format!("CREATE DATABASE {database}")]))?;
        Ok(cluster)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg(self.as_postgres, &format!("{PG_BIN}/pg_ctl -D {} -m fast -w stop", self.dir.join("pg").display()));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Stops a server's whole process group. Through the shell's own `kill`:
/// procps-ng 4.0.2's /bin/kill misreads `-TERM -PGID` and signals every
/// process (seen here: it took the test run and its terminal with it).
fn stop_group(server: &mut Child) {
    let pgid = server.id();
    let group = |signal: &str| Command::new("sh").args(["-c", &format!("kill -s {signal} -- -{pgid} 2>/dev/null")]).status();
    let _ = group("TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && matches!(server.try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = group("KILL");
    let _ = server.wait();
}

/// A running Medusa and what it stands on (dropped in this order).
pub struct Medusa {
    pub base: String,
    /// The seed's answer (`tests/peers/medusa/src/scripts/seed.js`): ids, the publishable key, `base_url`.
    pub seed: PathBuf,
    server: Child,
    redis: Child,
    pg: Postgres,
}

impl Drop for Medusa {
    fn drop(&mut self) {
        stop_group(&mut self.server);
        let _ = self.redis.kill();
        let _ = self.redis.wait();
    }
}

/// A running Vendure on its own PostgreSQL.
pub struct Vendure {
    /// The seed's answer (`tests/peers/vendure/src/server.js`): `base_url` (the Shop API), channel token, variant ids, coupon, customer.
    pub seed: PathBuf,
    server: Child,
    _pg: Postgres,
}

impl Drop for Vendure {
    fn drop(&mut self) {
        stop_group(&mut self.server);
    }
}

/// Installs (once), starts and seeds a Vendure 3.7.3 with its telemetry off.
pub fn start_vendure() -> Result<Vendure> {
    let started = Instant::now();
    let project = root().join("tests/peers/vendure");
    npm_install(&project, true)?;
    let pg = Postgres::start("vendure", "vendure")?;
    let port = free_port()?;
    let seed = pg.dir.join("seed.json");
    let log = std::fs::File::create(pg.dir.join("vendure.log")).map_err(|e| e.to_string())?;
    use std::os::unix::process::CommandExt;
    let server = Command::new("node")
        .arg("src/server.js")
        .current_dir(&project)
        .env("PORT", port.to_string())
        .env("DATABASE_PORT", pg.port.to_string())
        .env("CROSSCART_SEED_OUT", &seed)
        .env("VENDURE_DISABLE_TELEMETRY", "true")
        .process_group(0)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("vendure: {e}"))?;
    let mut v = Vendure { seed, server, _pg: pg };
    let deadline = Instant::now() + Duration::from_secs(180);
    while !v.seed.exists() {
        if Instant::now() > deadline || matches!(v.server.try_wait(), Ok(Some(_))) {
            let log = std::fs::read_to_string(v._pg.dir.join("vendure.log")).unwrap_or_default();
            let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            return Err(format!("Vendure did not start and seed on port {port}:\n{tail}"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    // The seed is written last; give the file system a moment to have all of it.
    std::thread::sleep(Duration::from_millis(100));
    eprintln!("Vendure 3.7.3 ready on port {port} ({:.0} s to install, populate, seed and start)", started.elapsed().as_secs_f64());
    Ok(v)
}

/// The Storefront API schema our Shopify adapter targets (2025-07), as
/// `@shopify/hydrogen-react` 2025.7 ships it, under `target/`.
pub fn shopify_schema() -> Result<PathBuf> {
    let dir = root().join("target/graphql-schemas");
    let file = dir.join("package/storefront.schema.json");
    if file.exists() {
        return Ok(file);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    run(Command::new("npm").args(["pack", "--silent", "@shopify/hydrogen-react@2025.7.2"]).current_dir(&dir))?;
    run(Command::new("tar").args(["xzf", "shopify-hydrogen-react-2025.7.2.tgz", "package/storefront.schema.json"]).current_dir(&dir))?;
    Ok(file)
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Runs a PostgreSQL command line, as the `postgres` user when we are root
/// (PostgreSQL refuses to run as root).
fn pg(as_postgres: bool, cmdline: &str) -> Result {
    if as_postgres {
        run(Command::new("su").args(["postgres", "-s", "/bin/sh", "-c", cmdline]))
    } else {
        run(Command::new("sh").args(["-c", cmdline]))
    }
}

/// Debian packages, installed when missing (retried: the image deletes .debs as it goes).
fn ensure_apt(check: &str, packages: &[&str]) -> Result {
    if Path::new(check).exists() {
        return Ok(());
    }
    eprintln!("installing Debian's {}", packages.join(" "));
    run(Command::new("apt-get").arg("update"))?;
    let mut last = Ok(());
    for _ in 0..3 {
        last = run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive"));
        if last.is_ok() && Path::new(check).exists() {
            return Ok(());
        }
    }
    last
}

fn http_ok(port: u16, path: &str) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    s.read(&mut buf).is_ok_and(|n| n >= 12 && &buf[9..12] == b"200")
}

/// Installs (once; the npm cache and `node_modules` stay between runs), starts
/// and seeds a Medusa. `origins`: the storefront origins its CORS admits.
pub fn start_medusa(origins: &str) -> Result<Medusa> {
    let started = Instant::now();
    ensure_apt("/usr/bin/redis-server", &["redis-server"])?;
    let project = root().join("tests/peers/medusa");
    npm_install(&project, true)?;
    let medusa_bin = project.join("node_modules/.bin/medusa");
    let pg = Postgres::start("medusa", "medusa")?;
    let (pg_port, redis_port, port) = (pg.port, free_port()?, free_port()?);
    let redis = Command::new("redis-server")
        .args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("redis-server: {e}"))?;
    let base = format!("http://127.0.0.1:{port}");
    let seed = pg.dir.join("seed.json");
    let env = |c: &mut Command| {
        c.current_dir(&project)
            .env("DATABASE_URL", format!("postgres://postgres@127.0.0.1:{pg_port}/medusa"))
            .env("REDIS_URL", format!("redis://127.0.0.1:{redis_port}"))
            .env("MEDUSA_DISABLE_TELEMETRY", "true")
            .env("CROSSCART_ORIGINS", origins)
            .env("CROSSCART_MEDUSA_URL", &base)
            .env("CROSSCART_SEED_OUT", &seed)
            .env("PORT", port.to_string());
    };
    let mut migrate = Command::new(&medusa_bin);
    env(migrate.args(["db:migrate"]));
    run(&mut migrate)?;
    let mut seeding = Command::new(&medusa_bin);
    env(seeding.args(["exec", "./src/scripts/seed.js"]));
    run(&mut seeding)?;
    let log = std::fs::File::create(pg.dir.join("medusa.log")).map_err(|e| e.to_string())?;
    let mut start = Command::new(&medusa_bin);
    env(start.args(["start"]));
    use std::os::unix::process::CommandExt;
    let server = start.process_group(0).stdout(log.try_clone().map_err(|e| e.to_string())?).stderr(log).spawn().map_err(|e| format!("medusa start: {e}"))?;
    let mut m = Medusa { base, seed, server, redis, pg };
    let deadline = Instant::now() + Duration::from_secs(120);
    while !http_ok(port, "/health") {
        if Instant::now() > deadline || matches!(m.server.try_wait(), Ok(Some(_))) {
            let log = std::fs::read_to_string(m.pg.dir.join("medusa.log")).unwrap_or_default();
            let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            m.server.try_wait().ok();
            return Err(format!("Medusa did not become healthy on {}:\n{tail}", m.base));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("Medusa 2.21 ready at {} ({:.0} s to install, migrate, seed and start)", m.base, started.elapsed().as_secs_f64());
    Ok(m)
}
