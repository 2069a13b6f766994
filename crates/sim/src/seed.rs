//! The figures published in the seed document
//! (`goroutine-leak-visual-explanation.md`), kept as data so that faces can
//! show them next to what the model computes.

use crate::{Preset, Program};

/// A published per-minute table: (minute, goroutines).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedTable {
    /// The measurement phase.
    pub preset: Preset,
    /// The program measured.
    pub program: Program,
    /// (minute, goroutines) rows as printed.
    pub rows: &'static [(u32, u64)],
    /// The growth per minute printed under the table.
    pub growth_per_min: f64,
}

/// The seed's "TIMELINE COMPARISON" tables.
pub const TABLES: [SeedTable; 4] = [
    SeedTable {
        preset: Preset::Fase3,
        program: Program::BUGGY,
        rows: &[(0, 16), (10, 14)],
        growth_per_min: -0.50,
    },
    SeedTable {
        preset: Preset::Fase3,
        program: Program::FIXED,
        rows: &[(0, 16), (10, 16)],
        growth_per_min: 0.00,
    },
    SeedTable {
        preset: Preset::Fase6,
        program: Program::BUGGY,
        rows: &[
            (0, 110),
            (10, 415),
            (20, 720),
            (30, 1_025),
            (40, 1_330),
            (50, 1_635),
            (58, 1_930),
        ],
        growth_per_min: 30.50,
    },
    SeedTable {
        preset: Preset::Fase6,
        program: Program::FIXED,
        rows: &[
            (0, 110),
            (10, 115),
            (20, 120),
            (30, 125),
            (40, 130),
            (50, 135),
            (58, 140),
        ],
        growth_per_min: 0.50,
    },
];

/// The published table of `preset` and `program`: the seed measured only
/// the buggy and the fixed programs.
pub fn table(preset: Preset, program: Program) -> Option<&'static SeedTable> {
    TABLES
        .iter()
        .find(|t| t.preset == preset && t.program == program)
}

/// The seed's "MATHEMATICAL PROOF" inputs, as printed.
pub mod proof {
    /// "Initial goroutines: ~100 (50 containers × 2)".
    pub const INITIAL: u64 = 100;
    /// "Final goroutines: 1,930 (after 58 minutes)".
    pub const FINAL: u64 = 1_930;
    /// "Leaked: 1,830 goroutines".
    pub const LEAKED: u64 = 1_830;
    /// "Expected rotations: 58 min ÷ 5 min/rotation = 11.6".
    pub const ROTATIONS: f64 = 11.6;
    /// "Leaked per rotation: 1,830 ÷ 11.6 = 157.8".
    pub const PER_ROTATION: f64 = 157.8;
    /// "157.8 ÷ 50 = 3.15 goroutines/container/rotation".
    pub const PER_CONTAINER_PER_ROTATION: f64 = 3.15;
    /// The containers the proof divides by.
    pub const CONTAINERS_IN_PROOF: u32 = 50;
    /// "Maximum: 100 + 116 = 216 goroutines".
    pub const LIMIT: u64 = 216;
    /// "Actual (before fix): 1,930 goroutines ❌ (8.9× over limit)".
    pub const TIMES_OVER_LIMIT: f64 = 8.9;
    /// "+30.50/min ❌ (15.25× over limit)".
    pub const GROWTH_OVER_LIMIT: f64 = 15.25;
    /// "+0.50/min ✅ (4× under limit)".
    pub const FIXED_UNDER_LIMIT: f64 = 4.0;
    /// The buggy dump's summary: "1,830 leaked readers".
    pub const LEAKED_READERS_IN_DUMP: u64 = 1_830;
}
