use super::replica::{Edit, Effect, Replica};
use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn add(v: &str, q: u32) -> Edit {
    Edit::Add { variant_id: v.into(), fulfillment: Fulfillment::Delivery, quantity: q }
}
fn set(v: &str, q: u32) -> Edit {
    Edit::Set { variant_id: v.into(), fulfillment: Fulfillment::Delivery, quantity: q }
}
fn qty(r: &Replica, v: &str) -> u32 {
    r.lines().iter().find(|l| l.key.variant_id == v).map_or(0, |l| l.quantity)
}
fn sent(effects: &[Effect]) -> Vec<Op> {
    effects.iter().flat_map(|e| if let Effect::Send(ops) = e { ops.clone() } else { Vec::new() }).collect()
}
/// Gives `to` every op `from` knows, as another tab would.
fn share(from: &Replica, to: &mut Replica) {
    to.receive(from.ops().cloned().collect(), false, 0);
}

#[test]
fn concurrent_adds_both_count() {
    let (mut a, mut b) = (Replica::new("a".into()), Replica::new("b".into()));
    a.edit(add("v1", 1), 0).unwrap();
    b.edit(add("v1", 1), 0).unwrap();
    share(&a, &mut b);
    share(&b, &mut a);
    assert_eq!((qty(&a, "v1"), qty(&b, "v1")), (2, 2));
}

#[test]
fn an_offline_add_survives_a_stale_edit() {
    let (mut phone, mut laptop) = (Replica::new("phone".into()), Replica::new("laptop".into()));
    laptop.edit(add("v1", 1), 0).unwrap();
    share(&laptop, &mut phone);
    // The phone, offline, adds one; the laptop, not knowing, sets the line to 3.
    phone.set_online(false, 0);
    phone.edit(add("v1", 1), 1).unwrap();
    laptop.edit(set("v1", 3), 2).unwrap();
    share(&phone, &mut laptop);
    share(&laptop, &mut phone);
    assert_eq!((qty(&phone, "v1"), qty(&laptop, "v1")), (4, 4), "3 from the laptop's edit + the phone's unseen add");
}

#[test]
fn an_edit_after_seeing_an_add_replaces_it() {
    let (mut a, mut b) = (Replica::new("a".into()), Replica::new("b".into()));
    a.edit(add("v1", 2), 0).unwrap();
    share(&a, &mut b);
    b.edit(set("v1", 1), 1).unwrap();
    share(&b, &mut a);
    assert_eq!(qty(&a, "v1"), 1);
    // Remove, then the same add arriving again (a duplicate) changes nothing.
    a.edit(set("v1", 0), 2).unwrap();
    share(&a, &mut b);
    share(&a, &mut b);
    assert!(a.lines().is_empty() && b.lines().is_empty());
}

#[test]
fn concurrent_sets_last_writer_wins_deterministically() {
    let (mut a, mut b) = (Replica::new("a".into()), Replica::new("b".into()));
    a.edit(set("v1", 5), 0).unwrap();
    b.edit(set("v1", 7), 0).unwrap();
    share(&a, &mut b);
    share(&b, &mut a);
    // Same lamport: the greater replica id wins, on both.
    assert_eq!((qty(&a, "v1"), qty(&b, "v1")), (7, 7));
}

#[test]
fn out_of_order_ops_are_not_counted_twice() {
    let mut a = Replica::new("a".into());
    let ops: Vec<Op> = (0..3).flat_map(|i| sent(&a.edit(add("v1", 1), i).unwrap())).collect();
    // "a" has one send in flight, so only the first op was sent: take them from its snapshot.
    let all = a.snapshot().ops;
    assert_eq!(ops.len(), 1);
    let mut b = Replica::new("b".into());
    b.receive(vec![all[2].clone()], false, 0); // seq 3 before 1 and 2
    b.edit(set("v1", 10), 1).unwrap(); // b saw only seq 3
    b.receive(all.clone(), false, 2);
    // 10 + the two adds b had not seen.
    assert_eq!(qty(&b, "v1"), 12);
}

#[test]
fn pickup_and_delivery_are_separate_lines_and_order_is_stable() {
    let mut a = Replica::new("a".into());
    a.edit(add("v2", 1), 0).unwrap();
    a.edit(Edit::Add { variant_id: "v1".into(), fulfillment: Fulfillment::Pickup { store_id: "kyiv".into() }, quantity: 1 }, 0).unwrap();
    a.edit(add("v1", 1), 0).unwrap();
    let keys: Vec<(String, Option<String>)> = a.lines().into_iter().map(|l| (l.key.variant_id, l.key.pickup_store)).collect();
    assert_eq!(keys, [("v2".into(), None), ("v1".into(), Some("kyiv".into())), ("v1".into(), None)]);
}

#[test]
fn bad_edits_are_refused_and_change_nothing() {
    let mut a = Replica::new("a".into());
    assert!(matches!(a.edit(add("v1", 0), 0), Err(OpError::BadQuantity { .. })));
    assert!(matches!(a.edit(add("v1", 1000), 0), Err(OpError::BadQuantity { .. })));
    assert!(matches!(a.edit(add("", 1), 0), Err(OpError::BadVariant)));
    assert!(a.lines().is_empty() && a.unconfirmed() == 0);
    assert_eq!(a.edit(add("v1", 1), 0).unwrap().len(), 4, "persist, broadcast, changed, send");
    assert_eq!(sent(&a.edit(add("v1", 1), 0).unwrap()).len(), 0, "one request at a time");
    // Ops from outside are checked too: a bad replica id is dropped.
    let bad = Op { id: OpId { replica: "<script>".into(), seq: 1 }, lamport: 1, at: 0, change: Change::Add { variant_id: "v9".into(), fulfillment: Fulfillment::Delivery, quantity: 1 } };
    a.receive(vec![bad], true, 0);
    assert_eq!(qty(&a, "v9"), 0);
}

#[test]
fn quantities_clamp_and_restart_never_reuses_a_sequence_number() {
    let mut a = Replica::new("a".into());
    for _ in 0..3 {
        a.edit(add("v1", 400), 0).unwrap();
    }
    assert_eq!(qty(&a, "v1"), MAX_LINE_QUANTITY);
    let mut snap = a.snapshot();
    snap.next_seq = 1; // a counter lost in storage
    let mut b = Replica::restore(snap);
    b.edit(add("v2", 1), 0).unwrap();
    assert_eq!(b.ops().filter(|o| o.id.replica == "a").count(), 4, "seq 4, not a second seq 1");
}

#[test]
fn retries_back_off_and_resume_online() {
    let mut a = Replica::new("a".into());
    let first = sent(&a.edit(add("v1", 1), 0).unwrap());
    assert_eq!(first.len(), 1);
    assert!(a.send_failed(10).is_empty());
    assert_eq!(a.retry_at(), Some(510));
    assert!(a.tick(400).is_empty());
    assert_eq!(sent(&a.tick(510)).len(), 1);
    a.send_failed(600);
    assert_eq!(a.retry_at(), Some(1600), "doubled");
    a.set_online(false, 700);
    assert!(a.tick(5000).is_empty(), "offline: nothing is sent");
    assert_eq!(sent(&a.set_online(true, 5001)).len(), 1, "back online: sent at once");
    let ids: Vec<OpId> = first.iter().map(|o| o.id.clone()).collect();
    a.ack(&ids, 5002);
    assert_eq!(a.unconfirmed(), 0);
}

#[test]
fn an_answer_with_refusals_never_resends_the_refused_op() {
    let mut a = Replica::new("a".into());
    let first = sent(&a.edit(add("v-unknown", 1), 0).unwrap());
    a.edit(add("v1", 1), 0).unwrap();
    // The server refused op 1 (op 2 was not in that batch): only op 2 goes out next.
    let next = sent(&a.answered(&[], &[first[0].id.clone()], 1));
    assert_eq!(next.iter().map(|o| o.id.seq).collect::<Vec<_>>(), [2]);
}

#[test]
fn refused_ops_are_dropped_not_resent() {
    let mut a = Replica::new("a".into());
    let first = sent(&a.edit(add("v-unknown", 1), 0).unwrap());
    a.edit(add("v1", 1), 0).unwrap();
    let effects = a.reject(&[first[0].id.clone()], 1);
    assert!(effects.contains(&Effect::Changed));
    assert_eq!(sent(&effects).iter().map(|o| o.id.seq).collect::<Vec<_>>(), [2], "the next op goes out, the refused one never again");
    assert_eq!(qty(&a, "v-unknown"), 0);
}

// ---------------------------------------------------------------- simulation

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

#[derive(Debug, Clone)]
enum Step {
    Edit(usize, u8, u8, u8),
    Deliver(usize, bool),
    Lose(usize),
    Offline(usize),
    Online(usize),
    RestartServer,
    Tick(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..4, 0u8..3, 0u8..3, 0u8..4).prop_map(|(r, v, kind, q)| Step::Edit(r, v, kind, q)),
        6 => (0usize..64, any::<bool>()).prop_map(|(i, dup)| Step::Deliver(i, dup)),
        1 => (0usize..64).prop_map(Step::Lose),
        1 => (0usize..4).prop_map(Step::Offline),
        1 => (0usize..4).prop_map(Step::Online),
        1 => Just(Step::RestartServer),
        2 => (0usize..4).prop_map(Step::Tick),
    ]
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

fn run(n: usize, steps: Vec<Step>) -> Result<(), TestCaseError> {
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
    prop_assert_eq!(w.server.durable.len(), w.created.len(), "every op reached the server exactly once");
    for id in &w.acked {
        prop_assert!(w.server.durable.contains_key(id), "an acknowledged op is durable");
    }
    let server_lines = materialize(w.server.durable.values());
    for r in &w.replicas {
        prop_assert_eq!(r.lines(), server_lines.clone(), "replica {} converged", r.id());
        prop_assert_eq!(r.unconfirmed(), 0);
    }
    // Intent, checked independently of `materialize`'s code path.
    for line in &server_lines {
        let ops: Vec<&Op> = w.created.values().filter(|o| matches!(&o.change, Change::Add { variant_id, .. } | Change::Set { variant_id, .. } if *variant_id == line.key.variant_id)).collect();
        let adds: u32 = ops.iter().map(|o| if let Change::Add { quantity, .. } = o.change { quantity } else { 0 }).sum();
        let sets: Vec<&&Op> = ops.iter().filter(|o| matches!(o.change, Change::Set { .. })).collect();
        if sets.is_empty() {
            prop_assert_eq!(line.quantity, adds.min(MAX_LINE_QUANTITY), "only adds: their sum");
        }
        let last = sets.iter().max_by_key(|o| (o.lamport, o.id.clone()));
        if let Some(Change::Set { quantity, seen, .. }) = last.map(|o| &o.change)
            && ops.iter().all(|o| !matches!(o.change, Change::Add { .. }) || seen.contains(&o.id))
        {
            prop_assert_eq!(line.quantity, *quantity, "the last edit saw every add: it is the quantity");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Thousands of random schedules of 2–4 replicas with duplication,
    /// reordering, loss-then-retry, offline periods and server restarts.
    #[test]
    fn replicas_converge_and_lose_nothing(n in 2usize..=4, steps in prop::collection::vec(step(), 1..120)) {
        run(n, steps)?;
    }
}

#[test]
fn ops_round_trip_as_json() {
    let op = Op { id: OpId { replica: "r1".into(), seq: 3 }, lamport: 7, at: 1, change: Change::Set { variant_id: "v".into(), fulfillment: Fulfillment::Pickup { store_id: "kyiv".into() }, quantity: 2, seen: Seen { contiguous: [("r2".to_string(), 4)].into(), extra: vec![] } } };
    let json = serde_json::to_string(&op).unwrap();
    assert_eq!(json, r#"{"id":{"replica":"r1","seq":3},"lamport":7,"at":1,"change":{"type":"set","variant_id":"v","fulfillment":{"type":"pickup","store_id":"kyiv"},"quantity":2,"seen":{"contiguous":{"r2":4}}}}"#);
    assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
}
