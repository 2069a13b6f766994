//! Calibration of the presets against the seed's tables (issue 2, "Presets
//! fase3 and fase6, calibrated to the seed's tables"), and where the seed's
//! numbers do not follow.
//!
//! The seed starts FASE 6 at 110 = 55 × 2: heartbeat and reader only. Go
//! (the programs in `go/monitor`, run under its fake clock) shows that a
//! stream's 2 handler goroutines live from its opening to its close, healthy
//! or not, so a healthy container counts 4 and FASE 6 starts at 220. The
//! seed's "3 per leaked reader" counts those handlers; its 110 does not:
//! both cannot hold for one client. Its growth (30.5/min) and end (~1,930)
//! do hold.

use leakscope_sim::{Preset, Program, Verdict, seed, simulate};

fn within(value: f64, target: f64, share: f64) -> bool {
    (value - target).abs() <= target.abs() * share
}

#[test]
fn fase6_buggy_leaks_like_the_seed_measured() {
    let t = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
    let a = t.analysis();
    // 55 × (heartbeat + reader + 2 handlers); the seed says 110.
    assert_eq!(t.samples()[0].goroutines, 220);
    assert!(
        within(a.final_goroutines as f64, 1_930.0, 0.10),
        "final {}",
        a.final_goroutines
    );
    assert!(
        within(a.growth_per_min, 30.5, 0.10),
        "growth {}",
        a.growth_per_min
    );
    assert_eq!(a.verdict, Verdict::Leak);
}

#[test]
fn fase6_fixed_stays_flat_and_passes() {
    let t = simulate(&Preset::Fase6.scenario(), Program::FIXED).unwrap();
    let a = t.analysis();
    // Flat at 55 × 4; the seed's fixed row creeps from 110 to 140, which
    // nothing in the fixed program explains.
    assert!(t.samples().iter().all(|s| s.goroutines == 220));
    assert!(a.final_goroutines as f64 <= a.limit);
    assert!(a.growth_per_min <= 2.0);
    assert_eq!(a.verdict, Verdict::Pass);
}

#[test]
fn fase3_both_pass_and_the_buggy_count_never_rises() {
    let s = Preset::Fase3.scenario();
    let buggy = simulate(&s, Program::BUGGY).unwrap();
    let fixed = simulate(&s, Program::FIXED).unwrap();
    assert_eq!(buggy.analysis().verdict, Verdict::Pass);
    assert_eq!(fixed.analysis().verdict, Verdict::Pass);
    // 8 × 4 while streams are open, 8 × 2 (heartbeat + stalled rotate())
    // after: the seed's 16 → 14 is neither.
    assert_eq!(buggy.samples()[0].goroutines, 32);
    assert_eq!(buggy.analysis().final_goroutines, 16);
    assert!(
        buggy
            .samples()
            .windows(2)
            .all(|w| w[1].goroutines <= w[0].goroutines)
    );
    // ...yet every buggy container stopped reading at its first rotation.
    assert_eq!(buggy.samples().last().unwrap().stalled_containers, 8);
}

#[test]
fn fase6_close_only_stays_flat_while_every_container_stops_reading() {
    let t = simulate(&Preset::Fase6.scenario(), Program::CLOSE_ONLY).unwrap();
    let a = t.analysis();
    assert_eq!(a.verdict, Verdict::Pass);
    // 55 × 4 while the first streams are open; from minute 5 every
    // container is heartbeat + a rotate() stuck in Wait(): 55 × 2.
    assert!(t.samples()[..5].iter().all(|s| s.goroutines == 220));
    assert!(t.samples()[5..].iter().all(|s| s.goroutines == 110));
    let at5 = &t.samples()[5];
    assert_eq!(at5.stalled_containers, 55);
    for s in &t.samples()[5..] {
        assert_eq!(s.stalled_containers, 55);
        assert_eq!(s.lines_read, at5.lines_read, "minute {}", s.minute);
    }
    assert!(t.samples()[4].lines_read < at5.lines_read);
    assert_eq!(t.samples()[10].silent_containers, 55);
}

#[test]
fn fase6_wait_timeout_keeps_reading_and_grows_by_a_container_count_per_rotation() {
    let t = simulate(&Preset::Fase6.scenario(), Program::WAIT_TIMEOUT).unwrap();
    let a = t.analysis();
    assert_eq!(a.verdict, Verdict::Leak);
    // 55 helpers per rotation period of 5 min 10 s: about 11 a minute.
    assert!(
        (10.0..=11.5).contains(&a.growth_per_min),
        "growth {}",
        a.growth_per_min
    );
    assert_eq!(a.final_goroutines, 220 + 55 * 11);
    assert!(t.samples().iter().all(|s| s.stalled_containers == 0));
    let lines = |s: &leakscope_sim::Sample| s.lines_read;
    assert!(t.samples().windows(2).all(|w| lines(&w[1]) > lines(&w[0])));
}

#[test]
fn fase6_buggy_tracks_the_seed_table_row_by_row() {
    let t = simulate(&Preset::Fase6.scenario(), Program::BUGGY).unwrap();
    let table = seed::table(Preset::Fase6, Program::BUGGY).unwrap();
    // Minute 0 differs by exactly the open streams' handlers (55 × 2),
    // which the seed does not count; from minute 40 on the rows agree
    // within 15 %, and the end within 2 %.
    let rows = table.rows;
    assert_eq!(t.samples()[0].goroutines, rows[0].1 + 110);
    for &(minute, seed_count) in rows.iter().filter(|r| r.0 >= 40) {
        let got = t.samples()[minute as usize].goroutines as f64;
        assert!(
            within(got, seed_count as f64, 0.15),
            "minute {minute}: model {got}, seed {seed_count}"
        );
    }
    let (last, seed_end) = rows[rows.len() - 1];
    assert!(within(
        t.samples()[last as usize].goroutines as f64,
        seed_end as f64,
        0.02
    ));
}
