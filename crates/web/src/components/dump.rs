//! A goroutine dump at the current instant, in the shape of
//! `/debug/pprof/goroutine?debug=2` or grouped as in `?debug=1`.

use std::rc::Rc;

use leakscope_sim::{DumpFormat, Program, Time, render_dump};
use yew::prelude::*;

use crate::format;
use crate::state::{Action, DumpScope, Runs};

/// Most goroutines printed one by one in a whole-run `debug=2` dump; the
/// grouped view always covers all of them.
pub const FULL_DUMP_LIMIT: usize = 200;

/// Props of [`Dump`].
#[derive(Properties, PartialEq)]
pub struct DumpProps {
    /// Every program's run.
    pub runs: Rc<Runs>,
    /// The virtual clock.
    pub at: Time,
    /// The selected container.
    pub container: u32,
    /// `debug=2` or `debug=1`.
    pub format: DumpFormat,
    /// The selected container or the whole run.
    pub scope: DumpScope,
    /// Which program.
    pub program: Program,
    /// Changes.
    pub dispatch: Callback<Action>,
}

/// The dump and its switches.
#[component]
pub fn Dump(p: &DumpProps) -> Html {
    let trace = p.runs.trace(p.program);
    let container = match p.scope {
        DumpScope::Selected => Some(p.container),
        DumpScope::All => None,
    };
    let goroutines = trace.goroutines_at(p.at, container).unwrap_or_default();
    let total = goroutines.len();
    let (shown, cut) = match p.format {
        DumpFormat::Full if total > FULL_DUMP_LIMIT => (&goroutines[..FULL_DUMP_LIMIT], true),
        _ => (&goroutines[..], false),
    };
    let mut text = render_dump(p.program, shown, p.at, p.format);
    if cut {
        text.push_str(&format!(
            "… {} more goroutines (switch to debug=1 for all of them grouped)\n",
            format::int((total - FULL_DUMP_LIMIT) as u64)
        ));
    }
    let radio = |name: &'static str, label: &'static str, checked: bool, action: fn() -> Action| {
        let d = p.dispatch.clone();
        html! {
            <label class="radio">
                <input type="radio" {name} {checked} onchange={Callback::from(move |_: Event| d.emit(action()))} />
                { label }
            </label>
        }
    };
    let url = match p.format {
        DumpFormat::Full => "debug=2",
        DumpFormat::Grouped => "debug=1",
    };
    html! {
        <div class="dump">
            <div class="switches" role="group" aria-label="Dump options">
                <fieldset>
                    <legend>{ "Program" }</legend>
                    { for Program::ALL.iter().map(|&prog| {
                        let d = p.dispatch.clone();
                        html! {
                            <label class="radio">
                                <input type="radio" name="dump-program" checked={p.program == prog}
                                       onchange={Callback::from(move |_: Event| d.emit(Action::SetDumpProgram(prog)))} />
                                { prog.name() }
                            </label>
                        }
                    }) }
                </fieldset>
                <fieldset>
                    <legend>{ "Format" }</legend>
                    { radio("dump-format", "debug=2 (every goroutine)", p.format == DumpFormat::Full, || Action::SetDumpFormat(DumpFormat::Full)) }
                    { radio("dump-format", "debug=1 (grouped)", p.format == DumpFormat::Grouped, || Action::SetDumpFormat(DumpFormat::Grouped)) }
                </fieldset>
                <fieldset>
                    <legend>{ "Goroutines of" }</legend>
                    { radio("dump-scope", "the selected container", p.scope == DumpScope::Selected, || Action::SetDumpScope(DumpScope::Selected)) }
                    { radio("dump-scope", "the whole run", p.scope == DumpScope::All, || Action::SetDumpScope(DumpScope::All)) }
                </fieldset>
            </div>
            <p class="prompt"><code>{ format!("$ curl localhost:6060/debug/pprof/goroutine?{url}") }</code>
                <small>{ format!("  # {} program at {}, {}: {}", p.program, p.at,
                    match p.scope { DumpScope::Selected => format!("container {}", p.container), DumpScope::All => "whole run".into() },
                    "") }<span data-testid="dump-total">{ format::int(total as u64) }</span>{ " goroutines" }</small></p>
            <pre data-testid="dump" class="dump-text" tabindex="0" aria-label="Goroutine dump">{ text }</pre>
        </div>
    }
}

/// Five goroutines copied verbatim from a real Go 1.27.3 `debug=2` dump of
/// the buggy program running live on loopback sockets
/// (`crates/pprof/tests/data/go1.27-live-buggy-debug2.txt`, 689 KB, not
/// embedded): a heartbeat, a reader in `net.(*netFD).Read`, a stream's
/// `readLoop` and `writeLoop`, and a `rotate()` in `sync.WaitGroup.Wait`.
/// A test holds every line against the fixture.
pub const REAL_BUGGY_EXCERPT: &str = include_str!("../../data/real-buggy-excerpt.txt");

/// The real excerpt, labelled with its own program, scenario and minute,
/// for comparison with the simulated dump above it.
pub fn real_excerpt() -> Html {
    html! {
        <figure class="dump-figure" data-testid="dump-pair">
            <figcaption><span class="tag real">{ "real Go 1.27.3" }</span>
                { " The buggy program on FASE 6 at about minute 15 (one minute lasting 200 ms), live on loopback sockets: five of its goroutines — a heartbeat, a reader, its stream's readLoop and writeLoop, a rotate() blocked in Wait()." }</figcaption>
            <pre class="dump-text small" tabindex="0" aria-label="Real goroutine dump excerpt" data-testid="real-dump">{ REAL_BUGGY_EXCERPT }</pre>
            <p class="muted small dump-diff">{ "What differs from the simulated dump: the real one prints absolute file paths, arguments as hexadecimal words and +0x… offsets, pprof labels ({container: …}), the reader's innermost internal/poll frames and the runtime's own goroutines; the simulation prints paths relative to GOROOT/src and the module, and only the program's goroutines." }</p>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::REAL_BUGGY_EXCERPT;

    const FIXTURE: &str = include_str!("../../../pprof/tests/data/go1.27-live-buggy-debug2.txt");

    /// The excerpt cannot drift from the real dump: every line appears
    /// verbatim in it, and every goroutine block whole.
    #[test]
    fn the_real_excerpt_is_verbatim_from_the_fixture() {
        let fixture: Vec<&str> = FIXTURE.lines().collect();
        for line in REAL_BUGGY_EXCERPT.lines().filter(|l| !l.is_empty()) {
            assert!(fixture.contains(&line), "not in the fixture: {line:?}");
        }
        let blocks: Vec<&str> = REAL_BUGGY_EXCERPT.trim_end().split("\n\n").collect();
        for b in &blocks {
            assert!(
                FIXTURE.contains(&format!("{b}\n\n")) || FIXTURE.ends_with(&format!("{b}\n")),
                "block not verbatim:\n{b}"
            );
            assert!(b.starts_with("goroutine "), "{b}");
        }
        let has = |needle: &str| blocks.iter().filter(|b| b.contains(needle)).count();
        assert_eq!(has("leakscope/monitor.(*Monitor).heartbeat("), 1);
        assert_eq!(has("net.(*netFD).Read("), 1);
        assert_eq!(has("net/http.(*persistConn).readLoop("), 1);
        assert_eq!(has("net/http.(*persistConn).writeLoop("), 1);
        assert_eq!(has("sync.(*WaitGroup).Wait("), 1);
        assert_eq!(blocks.len(), 5);
    }
}
