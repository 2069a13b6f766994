//! The narrator: what the selected container just did, for everyone, and
//! an `aria-live` region that announces it to screen readers.

use leakscope_sim::{Event, Program};

use crate::palette;
use yew::prelude::*;

/// Props of [`Narration`].
#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    /// The latest key events of the selected container, in the panes'
    /// programs, oldest first.
    pub recent: Vec<(Program, Event)>,
    /// What to announce now (empty when playing too fast to follow).
    pub announce: Vec<String>,
}

/// Recent key events and the live region.
#[component]
pub fn Narration(p: &NarrationProps) -> Html {
    html! {
        <div class="narration">
            <h3>{ "What the selected container just did" }</h3>
            <div class="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="narration">
                { p.announce.join(" ") }
            </div>
            if p.recent.is_empty() {
                <p class="muted">{ "Nothing yet: the first rotation falls due at the end of the first period." }</p>
            } else {
                <ol class="log">
                    { for p.recent.iter().map(|(v, e)| html! {
                        <li class="log-line" style={format!("--prog:{}", palette::program(*v).css())}>
                            <span class="tag">{ v.name() }</span>
                            <time>{ e.time.to_string() }</time>
                            { " " }{ e.describe() }
                        </li>
                    }) }
                </ol>
            }
        </div>
    }
}
