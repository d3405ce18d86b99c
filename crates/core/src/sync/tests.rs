use super::replica::{Edit, Effect, Replica};
use super::*;
use proptest::prelude::*;

use super::sim::{add, set};
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
fn the_context_of_a_set_of_ops_is_what_a_replica_holding_them_would_send() {
    let mut a = Replica::new("a".into());
    for i in 0..4 {
        a.edit(add("v1", 1), i).unwrap();
    }
    let ops = a.snapshot().ops;
    // Another replica receives seq 1, 2 and 4 (3 is late).
    let mut b = Replica::new("b".into());
    b.receive(vec![ops[0].clone(), ops[1].clone(), ops[3].clone()], false, 0);
    let held: Vec<Op> = b.ops().cloned().collect();
    b.edit(set("v1", 9), 1).unwrap();
    let sent = b.ops().find(|o| o.id.replica == "b").unwrap().clone();
    let Change::Set { seen, .. } = sent.change else { panic!("a set") };
    assert_eq!(Seen::covering(&held), seen);
    assert_eq!(seen.contiguous.get("a"), Some(&2));
    assert_eq!(seen.extra, vec![OpId { replica: "a".into(), seq: 4 }]);
    assert!(Seen::covering(&[]).contiguous.is_empty());
}

/// A snapshot's context and what came after it add up to the context of
/// everything; `covers` compares contexts without listing what they hold.
#[test]
fn a_context_continues_from_a_snapshots_context() {
    let mut a = Replica::new("a".into());
    for i in 0..6 {
        a.edit(add("v1", 1), i).unwrap();
    }
    let ops = a.snapshot().ops;
    let (early, late) = ops.split_at(2);
    // Folded: 1, 2 and (out of order) 5; after it: 3, 4 and 6.
    let folded = Seen::covering(early.iter().chain([&ops[4]]));
    let rest = [&late[0], &late[1], &late[3]];
    let all = Seen::covering_from(&folded, rest);
    assert_eq!(all, Seen::covering(&ops));
    assert_eq!(all.contiguous.get("a"), Some(&6));
    assert!(all.covers(&folded) && all.covers(&Seen::covering(rest)));
    assert!(!folded.covers(&all));
    assert!(!Seen::default().covers(&folded) && Seen::default().covers(&Seen::default()));
    assert_eq!((folded.len(), Seen::default().is_empty()), (2, true));
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

use super::sim::{self, Step};

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Thousands of random schedules of 2–4 replicas with duplication,
    /// reordering, loss-then-retry, offline periods and server restarts.
    #[test]
    fn replicas_converge_and_lose_nothing(n in 2usize..=4, steps in prop::collection::vec(step(), 1..120)) {
        sim::run(n, steps).map_err(TestCaseError::fail)?;
    }
}

/// The seeded schedules the WebAssembly test runs in Chromium, natively.
#[test]
fn seeded_schedules_converge() {
    sim::check_many(20_261_122, 500).unwrap();
}

#[test]
fn ops_round_trip_as_json() {
    let op = Op { id: OpId { replica: "r1".into(), seq: 3 }, lamport: 7, at: 1, change: Change::Set { variant_id: "v".into(), fulfillment: Fulfillment::Pickup { store_id: "kyiv".into() }, quantity: 2, seen: Seen { contiguous: [("r2".to_string(), 4)].into(), extra: vec![] } } };
    let json = serde_json::to_string(&op).unwrap();
    assert_eq!(json, r#"{"id":{"replica":"r1","seq":3},"lamport":7,"at":1,"change":{"type":"set","variant_id":"v","fulfillment":{"type":"pickup","store_id":"kyiv"},"quantity":2,"seen":{"contiguous":{"r2":4}}}}"#);
    assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
}

#[test]
fn wire_decoding_is_strict_and_keeps_the_tagged_shape() {
    let f = |s: &str| serde_json::from_str::<Fulfillment>(s).map_err(|e| e.to_string());
    assert_eq!(f(r#"{"type":"delivery"}"#), Ok(Fulfillment::Delivery));
    assert_eq!(f(r#"{"type":"pickup","store_id":"kyiv"}"#), Ok(Fulfillment::Pickup { store_id: "kyiv".into() }));
    assert!(f(r#"{"type":"pickup"}"#).unwrap_err().contains("needs a store_id"));
    assert!(f(r#"{"type":"drone"}"#).unwrap_err().contains("unknown fulfillment type"));
    assert_eq!(serde_json::to_string(&Fulfillment::Pickup { store_id: "kyiv".into() }).unwrap(), r#"{"type":"pickup","store_id":"kyiv"}"#);
    let c = |s: &str| serde_json::from_str::<Change>(s).map_err(|e| e.to_string());
    assert_eq!(c(r#"{"type":"add","variant_id":"v","quantity":1}"#), Ok(Change::Add { variant_id: "v".into(), fulfillment: Fulfillment::Delivery, quantity: 1 }));
    assert!(c(r#"{"type":"set","variant_id":"v","quantity":1}"#).unwrap_err().contains("needs \"seen\""));
    assert!(c(r#"{"type":"add","variant_id":"v","quantity":1,"seen":{}}"#).is_err());
    assert!(c(r#"{"type":"remove","variant_id":"v","quantity":1}"#).is_err());
}

/// Client clocks and sequence numbers beyond 2^53 - 1 are refused, so no
/// one adding to them (the server's `max + 1`) can overflow.
#[test]
fn absurd_clocks_and_sequence_numbers_are_refused() {
    let op = |seq: u64, lamport: u64| Op { id: OpId { replica: "r1".into(), seq }, lamport, at: 0, change: Change::Add { variant_id: "v1".into(), quantity: 1, fulfillment: Fulfillment::Delivery } };
    assert_eq!(op(1, MAX_CLOCK).validate(), Ok(()));
    assert_eq!(op(1, u64::MAX).validate(), Err(OpError::BadClock));
    assert_eq!(op(1, MAX_CLOCK + 1).validate(), Err(OpError::BadClock));
    assert_eq!(op(u64::MAX, 1).validate(), Err(OpError::BadSeq));
    assert_eq!(op(0, 1).validate(), Err(OpError::BadSeq));
    let mut seen = Seen::default();
    seen.contiguous.insert("r2".into(), u64::MAX);
    let set = Op { id: OpId { replica: "r1".into(), seq: 1 }, lamport: 1, at: 0, change: Change::Set { variant_id: "v1".into(), quantity: 1, fulfillment: Fulfillment::Delivery, seen } };
    assert_eq!(set.validate(), Err(OpError::BadSeq));
}

/// A device that saw an add only through a later `Set` (it joined after the
/// add, or the server had folded the add into a snapshot) replaces it too:
/// the add is not counted again on replicas that hold it.
#[test]
fn an_add_seen_through_a_later_set_is_not_counted_twice() {
    let fulfillment = crate::cart::Fulfillment::Delivery;
    let op = |replica: &str, lamport: u64, change: Change| Op { id: OpId { replica: replica.into(), seq: 1 }, lamport, at: 0, change };
    let x = op("a", 1, Change::Add { variant_id: "v".into(), fulfillment: fulfillment.clone(), quantity: 1 });
    let s = op("server", 2, Change::Set { variant_id: "v".into(), fulfillment: fulfillment.clone(), quantity: 2, seen: Seen::covering([&x]) });
    let p = op("c", 3, Change::Set { variant_id: "v".into(), fulfillment: fulfillment.clone(), quantity: 5, seen: Seen::covering([&s]) });
    let quantity = |ops: &[&Op]| materialize(ops.iter().copied()).first().map_or(0, |l| l.quantity);
    assert_eq!(quantity(&[&x, &s, &p]), 5, "the replica holding the add");
    assert_eq!(quantity(&[&s, &p]), 5, "the replica that never got it");
    // An add the winner saw through no Set is still counted (add wins).
    let y = op("d", 1, Change::Add { variant_id: "v".into(), fulfillment, quantity: 1 });
    assert_eq!(quantity(&[&x, &s, &p, &y]), 6);
}
