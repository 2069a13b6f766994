//! The Go-like program, with the line the selected container is on
//! highlighted (`aria-current="step"`), the lines run at this instant
//! marked, and a badge where goroutines of the container are parked.

use leakscope_sim::Program;
use leakscope_sim::code::{file_name, lines};
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
    html! {
        <figure class="code-pane" style={format!("--prog:{}", crate::palette::program(v).css())}>
            <figcaption>
                <code>{ file_name(v) }</code>
                <span class="where" aria-live="off">{ format!(" — {}", p.focus.note) }</span>
            </figcaption>
            <pre data-testid={format!("code-{}", v.name())} class="code"
                 aria-label={format!("{} program; container {} is on line {}", v, p.container, p.focus.line)}><code>
                { for lines(v).iter().enumerate().map(|(i, line)| {
                    let n = i as u32 + 1;
                    let current = n == p.focus.line;
                    let touched = !current && p.focus.touched.contains(&n);
                    let parked = p.focus.parked.get(&n).copied();
                    html! {
                        <span class={classes!("line", current.then_some("current"), touched.then_some("touched"))}
                              aria-current={current.then_some("step")}>
                            <span class="ln" aria-hidden="true">{ n }</span>
                            <span class="src">{ line.text }</span>
                            if let Some(k) = parked {
                                <span class="parked" title="goroutines of this container parked here">
                                    { format!("  ← {k} goroutine{} here", if k == 1 { "" } else { "s" }) }
                                </span>
                            }
                            { "\n" }
                        </span>
                    }
                }) }
            </code></pre>
        </figure>
    }
}
