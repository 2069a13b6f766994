//! Engine speed: FASE 6 with every program, the detectors' predictions on
//! it, and cost against containers × minutes.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use leakscope_sim::{Preset, Program, Scenario, detect::detect, simulate};
use std::hint::black_box;

fn all(s: &Scenario) {
    for p in Program::ALL {
        black_box(simulate(s, p).unwrap());
    }
}

fn fase6(c: &mut Criterion) {
    let s = Preset::Fase6.scenario();
    c.bench_function("fase6_all_programs", |b| b.iter(|| all(black_box(&s))));
}

/// `leakscope detect --program all`: every detector on every program.
fn fase6_detect(c: &mut Criterion) {
    let s = Preset::Fase6.scenario();
    c.bench_function("fase6_detect_all_programs", |b| {
        b.iter(|| {
            for p in Program::ALL {
                black_box(detect(black_box(&s), p).unwrap());
            }
        })
    });
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
            |b, s| b.iter(|| all(s)),
        );
    }
    g.finish();
}

criterion_group!(benches, fase6, fase6_detect, scaling);
criterion_main!(benches);
