//! The page's components: thin functions of their props. AppState lives in
//! [`crate::state::AppState`]; components only render it and send
//! [`crate::state::Action`]s.

mod canvas;
mod code;
mod controls;
mod detectors;
mod dump;
mod fixes;
mod gallery;
mod minichart;
mod narration;
mod notices;
mod numbers;
mod pane;
mod params;
mod paste;
mod realrun;
mod realrun_data;
mod story;

pub use canvas::{ChartCanvas, HeatCanvas, LanesCanvas, LanesLegend, Marks, lane_window};
pub use code::CodePane;
pub use controls::Controls;
pub use detectors::Detectors;
pub use dump::{Dump, REAL_BUGGY_EXCERPT, real_excerpt};
pub use fixes::{Fixes, story_anchor, story_at};
pub use gallery::Gallery;
pub use minichart::MiniChart;
pub use narration::Narration;
pub use notices::Notices;
pub use numbers::Numbers;
pub use pane::Pane;
pub use params::Params;
pub use paste::PasteDump;
pub use realrun::{Figures, RealRun, figures, recording};
pub use story::Story;
pub(crate) use story::raw;
