//! Random schedules for the replicated cart — shared by the native property
//! test (`proptest` generates and shrinks the schedules) and the same check
//! under WebAssembly in Chromium (`crates/web/tests`), so the merge is proven
//! on both targets. Available with the `sim` feature (tests only).

use super::replica::{Edit, Effect, Replica};
use super::*;
use crate::cart::Fulfillment;
use std::collections::BTreeMap;

macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

macro_rules! check_eq {
    ($a:expr, $b:expr, $($msg:tt)+) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(format!("{}: {:?} != {:?}", format!($($msg)+), a, b));
        }
    }};
}

/// An `Add` of `q` units of `v`, delivered.
pub fn add(v: &str, q: u32) -> Edit {
    Edit::Add { variant_id: v.into(), fulfillment: Fulfillment::Delivery, quantity: q }
}
/// A `Set` of `v` to `q` units, delivered.
pub fn set(v: &str, q: u32) -> Edit {
    Edit::Set { variant_id: v.into(), fulfillment: Fulfillment::Delivery, quantity: q }
}

/// The server: ops by id, kept only once committed (what survives a restart).
#[derive(Default)]
struct Server {
    durable: BTreeMap<OpId, Op>,
}

#[derive(Debug, Clone)]
enum Msg {
    /// Replica → server: these ops (an `Effect::Send`).
    Up(usize, Vec<Op>),
    /// Server → replica: ack of these ids, plus everything the server has (push).
    Down(usize, Vec<OpId>, Vec<Op>),
    /// Tab → tab (replicas 0 and 1 share a browser).
    Tab(usize, Vec<Op>),
}

/// One thing that happens in a schedule.
#[derive(Debug, Clone)]
pub enum Step {
    /// Replica, variant 0..3, kind (0: set, else add), quantity 0..4.
    Edit(usize, u8, u8, u8),
    /// Deliver message i of those in flight; `true` keeps a copy (a duplicate).
    Deliver(usize, bool),
    /// Lose message i (a lost request or answer is a failed send).
    Lose(usize),
    Offline(usize),
    Online(usize),
    /// The server restarts: requests not yet committed are lost.
    RestartServer,
    Tick(usize),
}


struct World {
    replicas: Vec<Replica>,
    server: Server,
    net: Vec<Msg>,
    now: i64,
    created: BTreeMap<OpId, Op>,
    acked: Vec<OpId>,
}

impl World {
    fn apply(&mut self, r: usize, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send(ops) => self.net.push(Msg::Up(r, ops)),
                Effect::Broadcast(ops) if r < 2 && self.replicas.len() > 1 => self.net.push(Msg::Tab(1 - r, ops)),
                _ => {}
            }
        }
    }

    fn deliver(&mut self, msg: Msg) {
        match msg {
            Msg::Up(r, ops) => {
                // The server validates, commits, then answers with the ack and a push of its state.
                for op in &ops {
                    assert!(op.validate().is_ok());
                    self.server.durable.entry(op.id.clone()).or_insert_with(|| op.clone());
                }
                let ids: Vec<OpId> = ops.iter().map(|o| o.id.clone()).collect();
                self.acked.extend(ids.iter().cloned());
                self.net.push(Msg::Down(r, ids, self.server.durable.values().cloned().collect()));
            }
            Msg::Down(r, ids, ops) => {
                let now = self.now;
                let mut effects = self.replicas[r].receive(ops, true, now);
                effects.extend(self.replicas[r].ack(&ids, now));
                self.apply(r, effects);
            }
            Msg::Tab(r, ops) => {
                let now = self.now;
                let effects = self.replicas[r].receive(ops, false, now);
                self.apply(r, effects);
            }
        }
    }

    /// A message lost on the way: a lost request or answer is a failed send.
    fn lose(&mut self, msg: Msg) {
        if let Msg::Up(r, _) | Msg::Down(r, _, _) = msg {
            let now = self.now;
            let e = self.replicas[r].send_failed(now);
            self.apply(r, e);
        }
    }
}

/// Runs one schedule for `n` replicas, heals the network, and checks the
/// invariants; `Err` says which failed.
pub fn run(n: usize, steps: Vec<Step>) -> Result<(), String> {
    let mut w = World { replicas: (0..n).map(|i| Replica::new(format!("r{i}"))).collect(), server: Server::default(), net: Vec::new(), now: 0, created: BTreeMap::new(), acked: Vec::new() };
    for s in steps {
        w.now += 100;
        match s {
            Step::Edit(r, v, kind, q) => {
                let r = r % n;
                let variant = format!("v{v}");
                let edit = if kind == 0 { set(&variant, u32::from(q)) } else { add(&variant, u32::from(q) + 1) };
                let effects = w.replicas[r].edit(edit, w.now).expect("valid edit");
                for e in &effects {
                    if let Effect::Broadcast(ops) = e {
                        for op in ops {
                            w.created.insert(op.id.clone(), op.clone());
                        }
                    }
                }
                w.apply(r, effects);
            }
            Step::Deliver(i, dup) if !w.net.is_empty() => {
                let i = i % w.net.len();
                let msg = if dup { w.net[i].clone() } else { w.net.remove(i) };
                w.deliver(msg);
            }
            Step::Lose(i) if !w.net.is_empty() => {
                let i = i % w.net.len();
                let msg = w.net.remove(i);
                w.lose(msg);
            }
            Step::Offline(r) => {
                let now = w.now;
                let e = w.replicas[r % n].set_online(false, now);
                w.apply(r % n, e);
            }
            Step::Online(r) => {
                let now = w.now;
                let e = w.replicas[r % n].set_online(true, now);
                w.apply(r % n, e);
            }
            Step::RestartServer => {
                // Requests not yet committed die with the process: their senders see failures.
                let pending: Vec<Msg> = w.net.iter().filter(|m| matches!(m, Msg::Up(..))).cloned().collect();
                w.net.retain(|m| !matches!(m, Msg::Up(..)));
                for m in pending {
                    w.lose(m);
                }
            }
            Step::Tick(r) => {
                let now = w.now;
                let e = w.replicas[r % n].tick(now);
                w.apply(r % n, e);
            }
            _ => {}
        }
    }
    // Heal: everyone online, every message delivered, time passes, until quiet.
    for r in 0..n {
        let now = w.now;
        let e = w.replicas[r].set_online(true, now);
        w.apply(r, e);
    }
    for _ in 0..10_000 {
        if let Some(msg) = (!w.net.is_empty()).then(|| w.net.remove(0)) {
            w.deliver(msg);
            continue;
        }
        w.now += 60_000;
        let mut idle = true;
        for r in 0..n {
            let now = w.now;
            let e = w.replicas[r].tick(now);
            idle &= e.is_empty();
            w.apply(r, e);
        }
        if idle {
            break;
        }
    }
    // Finally every replica hears the server once more (the push a reconnect brings).
    for r in 0..n {
        let all: Vec<Op> = w.server.durable.values().cloned().collect();
        let now = w.now;
        w.replicas[r].receive(all, true, now);
    }

    // Nothing created is lost, nothing duplicated; everyone converged to the server's cart.
    check_eq!(w.server.durable.len(), w.created.len(), "every op reached the server exactly once");
    for id in &w.acked {
        check!(w.server.durable.contains_key(id), "an acknowledged op is durable");
    }
    let server_lines = materialize(w.server.durable.values());
    for r in &w.replicas {
        check_eq!(r.lines(), server_lines.clone(), "replica {} converged", r.id());
        check_eq!(r.unconfirmed(), 0, "replica {} has nothing left to send", r.id());
    }
    // Intent, checked independently of `materialize`'s code path.
    for line in &server_lines {
        let ops: Vec<&Op> = w.created.values().filter(|o| matches!(&o.change, Change::Add { variant_id, .. } | Change::Set { variant_id, .. } if *variant_id == line.key.variant_id)).collect();
        let adds: u32 = ops.iter().map(|o| if let Change::Add { quantity, .. } = o.change { quantity } else { 0 }).sum();
        let sets: Vec<&&Op> = ops.iter().filter(|o| matches!(o.change, Change::Set { .. })).collect();
        if sets.is_empty() {
            check_eq!(line.quantity, adds.min(MAX_LINE_QUANTITY), "only adds: their sum");
        }
        let last = sets.iter().max_by_key(|o| (o.lamport, o.id.clone()));
        if let Some(Change::Set { quantity, seen, .. }) = last.map(|o| &o.change)
            && ops.iter().all(|o| !matches!(o.change, Change::Add { .. }) || seen.contains(&o.id))
        {
            check_eq!(line.quantity, *quantity, "the last edit saw every add: it is the quantity");
        }
    }
    Ok(())
}

/// A small deterministic generator (xorshift), so a schedule is a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random schedule with the same mix of steps as the property test's.
pub fn random_steps(rng: &mut Rng) -> Vec<Step> {
    let len = 1 + rng.below(119) as usize;
    (0..len)
        .map(|_| match rng.below(16) {
            0..=3 => Step::Edit(rng.below(4) as usize, rng.below(3) as u8, rng.below(3) as u8, rng.below(4) as u8),
            4..=9 => Step::Deliver(rng.below(64) as usize, rng.below(2) == 0),
            10 => Step::Lose(rng.below(64) as usize),
            11 => Step::Offline(rng.below(4) as usize),
            12 => Step::Online(rng.below(4) as usize),
            13 => Step::RestartServer,
            _ => Step::Tick(rng.below(4) as usize),
        })
        .collect()
}

/// Runs `cases` random schedules from `seed` with 2–4 replicas.
pub fn check_many(seed: u64, cases: u64) -> Result<(), String> {
    for case in 0..cases {
        let mut rng = Rng::new(seed.wrapping_add(case));
        let n = 2 + rng.below(3) as usize;
        let steps = random_steps(&mut rng);
        run(n, steps.clone()).map_err(|e| format!("seed {} case {case}, {n} replicas: {e}\nschedule: {steps:?}", seed))?;
    }
    Ok(())
}
