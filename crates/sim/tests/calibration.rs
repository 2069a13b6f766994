//! Calibration of the presets against the seed's tables (issue 2, "Presets
//! fase3 and fase6, calibrated to the seed's tables").

use leakscope_sim::{Preset, Variant, Verdict, seed, simulate};

fn within(value: f64, target: f64, share: f64) -> bool {
    (value - target).abs() <= target.abs() * share
}

#[test]
fn fase6_buggy_leaks_like_the_seed_measured() {
    let t = simulate(&Preset::Fase6.scenario(), Variant::Buggy).unwrap();
    let a = t.analysis();
    assert_eq!(t.samples()[0].goroutines, 110);
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
    let t = simulate(&Preset::Fase6.scenario(), Variant::Fixed).unwrap();
    let a = t.analysis();
    assert_eq!(t.samples()[0].goroutines, 110);
    assert!(a.final_goroutines as f64 <= a.limit);
    assert!(a.final_goroutines <= 140, "seed: 140");
    assert!(a.growth_per_min <= 2.0);
    assert_eq!(a.verdict, Verdict::Pass);
}

#[test]
fn fase3_both_pass_and_the_buggy_count_never_rises() {
    let s = Preset::Fase3.scenario();
    let buggy = simulate(&s, Variant::Buggy).unwrap();
    let fixed = simulate(&s, Variant::Fixed).unwrap();
    assert_eq!(buggy.analysis().verdict, Verdict::Pass);
    assert_eq!(fixed.analysis().verdict, Verdict::Pass);
    assert!(buggy.analysis().final_goroutines <= 16);
    assert_eq!(buggy.samples()[0].goroutines, 16);
    // ...yet every buggy container stopped reading at its first rotation.
    assert_eq!(buggy.samples().last().unwrap().stalled_containers, 8);
}

#[test]
fn fase6_buggy_tracks_the_seed_table_row_by_row() {
    let t = simulate(&Preset::Fase6.scenario(), Variant::Buggy).unwrap();
    let table = seed::table(Preset::Fase6, Variant::Buggy);
    // Minute 0 is exact; later rows within 15 %: the seed's own rows grow by
    // a constant 305 per 10 minutes, while rotations leak in 5-minute steps.
    for &(minute, seed_count) in table.rows {
        let got = t.samples()[minute as usize].goroutines as f64;
        assert!(
            within(got, seed_count as f64, 0.15),
            "minute {minute}: model {got}, seed {seed_count}"
        );
    }
}
