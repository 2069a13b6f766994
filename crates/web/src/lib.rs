//! The teaching site: a lesson, a lab where every program of
//! [`leakscope_sim::Program::ALL`] — the seed's bug, the fixes people try,
//! the fix — runs on one virtual clock (a gallery of all of them, two in
//! detail side by side), tools, and model notes: four pages of one build
//! ([`page`]).
//!
//! All logic lives in [`leakscope_sim`]; this crate presents it. The state
//! ([`state::AppState`]) holds every program's [`leakscope_sim::Trace`] of one
//! scenario, the two programs in the panes and a virtual instant; every
//! number on the page is the core's answer for that instant, so at whole
//! minutes the page equals `leakscope sim --program all --format json`.
//!
//! Layout: [`page`] (which page an address opens, the navigation bar),
//! [`state`] (the lab's one `Reducible`), [`app`] (the pages and the lab's
//! browser plumbing), [`components`] (thin function components), [`chart`]
//! and [`lanes`] (the canvases), [`spark`] (the small SVG charts' geometry),
//! [`view`] (which core answers to show),
//! [`paste`] ("Paste a goroutine dump": `leakscope-pprof`'s groups and
//! suspects linked to the lesson), [`bench`] (`?bench=1`), [`panic`] (the
//! error banner).
//!
//! Built by Trunk from the repository's `index.html`; see the README.

pub mod app;
pub mod bench;
pub mod chart;
pub mod components;
pub mod dom;
pub mod format;
pub mod lanes;
pub mod page;
pub mod palette;
pub mod panic;
pub mod paste;
pub mod spark;
pub mod state;
pub mod view;

pub use app::{App, AppProps, Lab, LabProps};
pub use page::Page;
pub use state::{Action, AppState, Runs, Side};

/// The Go release the tests compile and run the programs of `go/monitor`
/// with (the xtask's `go::VERSION`).
pub const GO_VERSION: &str = "1.27.3";

/// What the page says wherever it states a claim of the model that Go
/// settled.
pub const GO_CONFIRMED: &str = "Go confirmed it: the tests compile the programs of go/monitor and run them under Go 1.27.3's fake clock, and their goroutine counts equal the simulation's on every sample.";

/// Mounts the page into `#app` (or the body), with the panic banner hook.
pub fn start() {
    panic::install();
    dom::canonicalize_location();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_go_version_is_the_one_the_tests_run() {
        let xtask = include_str!("../../xtask/src/go.rs");
        assert!(
            xtask.contains(&format!("pub const VERSION: &str = \"{GO_VERSION}\";")),
            "crates/xtask/src/go.rs no longer pins Go {GO_VERSION}"
        );
        assert!(GO_CONFIRMED.contains(&format!("Go {GO_VERSION}'s")));
    }
}
