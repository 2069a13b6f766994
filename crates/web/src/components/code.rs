//! The Go-like program, with the line the selected container's rotation is
//! on marked (`aria-current="step"`), the lines run at this instant marked,
//! and every line where goroutines of the container are parked tinted, with
//! a badge counting them; the stream handlers, outside the program's text,
//! get a row of their own, so the badges add up to the container's dump.
//! The text is the Go file itself (`go/monitor/<name>.go`), which the tests
//! compile and run under Go's fake clock. Under it, what the static check
//! `wgvet` reports on that file (the core's [`leakscope_sim::vet`]
//! prediction, which the Go tests hold against the real tool), its line
//! flagged in the text.

use leakscope_sim::Program;
use leakscope_sim::code::{STREAM_FILE, file_name, lines};
use yew::prelude::*;

use crate::view::Focus;

/// Props of [`CodePane`].
#[derive(Properties, PartialEq)]
pub struct CodeProps {
    /// Which program.
    pub program: Program,
    /// Where the selected container is.
    pub focus: Focus,
    /// The selected container.
    pub container: u32,
}

/// One program's source.
#[component]
pub fn CodePane(p: &CodeProps) -> Html {
    let v = p.program;
    let (vet, why) = leakscope_sim::vet::findings(v);
    let flagged = |n: u32| vet.iter().any(|f| f.line == n);
    let total = p.focus.parked.values().sum::<u64>() + p.focus.outside;
    let badge = |k: u64, what: &str| {
        html! {
            <span class="parked" data-testid={format!("parked-{}", v.name())} data-count={k.to_string()}>
                { format!("  ← {k} {what}{} here", if k == 1 { "" } else { "s" }) }
            </span>
        }
    };
    html! {
        <figure class="code-pane" style={format!("--prog:{}", crate::palette::program(v).css())}>
            <figcaption>
                <code>{ file_name(v) }</code>
                <span class="where" aria-live="off">{ format!(" — {}", p.focus.note) }</span>
                <small class="parked-total" data-testid={format!("parked-total-{}", v.name())}>
                    { format!("{} of container {} parked, as in its dump", crate::format::count(total, "goroutine", "goroutines"), p.container) }
                </small>
                <small class="provenance" data-testid={format!("provenance-{}", v.name())}>
                    { format!("This is the file go/{} itself: the tests compile it and run it under Go {}'s fake clock, where its goroutine counts equal the simulation's.", file_name(v), crate::GO_VERSION) }
                </small>
            </figcaption>
            <pre data-testid={format!("code-{}", v.name())} class="code"
                 aria-label={format!("{} program; container {} is on line {}", v, p.container, p.focus.line)}><code>
                { for lines(v).iter().enumerate().map(|(i, line)| {
                    let n = i as u32 + 1;
                    let current = n == p.focus.line;
                    let touched = !current && p.focus.touched.contains(&n);
                    let parked = p.focus.parked.get(&n).copied();
                    let vet_line = flagged(n);
                    html! {
                        <span class={classes!("line", current.then_some("current"), touched.then_some("touched"), parked.is_some().then_some("parked-line"), vet_line.then_some("vet-line"))}
                              aria-current={current.then_some("step")}>
                            <span class="ln" aria-hidden="true">{ n }</span>
                            <span class="src">{ line.text }</span>
                            if let Some(k) = parked { { badge(k, "goroutine") } }
                            { "\n" }
                        </span>
                    }
                }) }
                if p.focus.outside > 0 {
                    <span class="line parked-line outside">
                        <span class="ln" aria-hidden="true">{ "…" }</span>
                        <span class="src">{ format!("// {STREAM_FILE}: the streams' handlers (not in this file)") }</span>
                        { badge(p.focus.outside, "handler") }
                        { "\n" }
                    </span>
                }
            </code></pre>
            <p class="vet-finding" data-testid={format!("vet-{}", v.name())}>
                <strong>{ "⚑ wgvet, the static check: " }</strong>
                { match vet.first() {
                    Some(f) => format!("{} at line {}: {why}.", f.rule, f.line),
                    None => format!("no finding: {why}."),
                } }
            </p>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use leakscope_sim::Program;
    use leakscope_sim::code::{STREAM_FILE, file_name};

    /// The caption's claim: the code shown is the file `go/<file_name>`
    /// itself, and the handlers' row names the stream's file.
    #[test]
    fn the_code_shown_is_the_go_file() {
        let go = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../go");
        for p in Program::ALL {
            let text = std::fs::read_to_string(go.join(file_name(p))).unwrap();
            assert_eq!(text, p.source(), "{p}");
            assert!(text.starts_with("//go:build "), "{p}");
        }
        assert!(go.join(STREAM_FILE).is_file());
    }
}
