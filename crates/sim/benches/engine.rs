//! Engine speed: FASE 6 both variants, and cost against containers × minutes.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use leakscope_sim::{Preset, Program, Scenario, simulate};
use std::hint::black_box;

fn both(s: &Scenario) {
    for v in Program::ALL {
        black_box(simulate(s, v).unwrap());
    }
}

fn fase6(c: &mut Criterion) {
    let s = Preset::Fase6.scenario();
    c.bench_function("fase6_both_variants", |b| b.iter(|| both(black_box(&s))));
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("containers_x_minutes");
    g.sample_size(10);
    for (containers, minutes) in [(100, 600), (200, 600), (400, 600), (400, 1200)] {
        let s = Scenario {
            containers,
            minutes,
            ..Scenario::default()
        };
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{containers}x{minutes}")),
            &s,
            |b, s| b.iter(|| both(s)),
        );
    }
    g.finish();
}

criterion_group!(benches, fase6, scaling);
criterion_main!(benches);
