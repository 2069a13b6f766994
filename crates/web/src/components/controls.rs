//! Play/pause, step, scrub, speed and reset, with the virtual clock.

use leakscope_sim::Time;
use yew::prelude::*;

use crate::state::{Action, Speed};

/// Props of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// The virtual clock.
    pub at: Time,
    /// The end of the run.
    pub end: Time,
    /// Whether the clock runs.
    pub playing: bool,
    /// Playback speed.
    pub speed: Speed,
    /// Whether playback jumps event to event (reduced motion).
    pub reduced_motion: bool,
    /// Play or pause.
    pub on_toggle: Callback<()>,
    /// Every other change.
    pub dispatch: Callback<Action>,
}

/// The playback bar.
#[component]
pub fn Controls(p: &ControlsProps) -> Html {
    let send = |a: fn() -> Action| {
        let d = p.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(a()))
    };
    let toggle = {
        let t = p.on_toggle.clone();
        Callback::from(move |_: MouseEvent| t.emit(()))
    };
    let seek = {
        let d = p.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(secs) = input.value().parse::<u64>() {
                d.emit(Action::Seek(Time::from_secs(secs)));
            }
        })
    };
    let speed = {
        let d = p.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(s) = Speed::from_key(&select.value()) {
                d.emit(Action::SetSpeed(s));
            }
        })
    };
    let at_secs = p.at.as_millis() / 1_000;
    let end_secs = p.end.as_millis() / 1_000;
    html! {
        <div class="controls" role="group" aria-label="Playback">
            <div class="buttons">
                <button data-testid="play" class="primary" aria-pressed={p.playing.to_string()}
                        onclick={toggle} title="Play or pause (Space)">
                    { if p.playing { "‖ Pause" } else { "▶ Play" } }
                </button>
                <button data-testid="step-back" onclick={send(|| Action::StepBack)}
                        title="To the previous event (←)">{ "⇤ Step back" }</button>
                <button data-testid="step-forward" onclick={send(|| Action::StepForward)}
                        title="To the next event (→)">{ "Step forward ⇥" }</button>
                <button onclick={send(|| Action::Reset)} title="Back to 00:00, paused">{ "↺ Reset" }</button>
            </div>
            <div class="clock-box">
                <span class="label">{ "virtual time" }</span>
                <output data-testid="clock" class="clock" aria-live="off">{ p.at.to_string() }</output>
                <span class="of">{ format!("of {}", p.end) }</span>
            </div>
            <label class="scrub">
                <span class="visually-hidden">{ "Virtual time" }</span>
                <input data-testid="scrub" type="range" min="0" max={end_secs.to_string()} step="1"
                       value={at_secs.to_string()} oninput={seek}
                       aria-valuetext={p.at.to_string()} />
            </label>
            <label class="speed">
                { "Speed " }
                <select onchange={speed} aria-label="Playback speed">
                    { for Speed::ALL.iter().map(|s| html! {
                        <option value={s.key()} selected={*s == p.speed}>{ s.label() }</option>
                    }) }
                </select>
            </label>
            if p.reduced_motion {
                <span class="hint">{ "Reduced motion: playback jumps from event to event once a second." }</span>
            }
            <span class="hint keys">{ "Keys: Space play/pause · ←/→ step · Shift+←/→ one minute · Home/End" }</span>
        </div>
    }
}
