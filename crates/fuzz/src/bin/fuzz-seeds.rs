//! `fuzz-seeds DIR`: writes every target's seeds to `DIR/<target>/`, the
//! starting corpus `cargo xtask fuzz` gives libFuzzer.

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: fuzz-seeds DIR");
        return std::process::ExitCode::FAILURE;
    };
    for (name, _) in crosscart_fuzz::TARGETS {
        let target = dir.join(name);
        let written = std::fs::create_dir_all(&target).and_then(|()| {
            crosscart_fuzz::seeds(name).iter().enumerate().try_for_each(|(i, seed)| std::fs::write(target.join(format!("seed-{i:04}")), seed))
        });
        if let Err(e) = written {
            eprintln!("{}: {e}", target.display());
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
