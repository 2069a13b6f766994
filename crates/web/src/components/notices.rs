//! What could not be used from the URL or the form, and what was used
//! instead.

use yew::prelude::*;

/// Props of [`Notices`].
#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    /// One message per value that was not used.
    pub notices: Vec<String>,
    /// Hide them.
    pub on_dismiss: Callback<()>,
}

/// A visible notice listing every value that fell back to its default.
#[component]
pub fn Notices(p: &NoticesProps) -> Html {
    if p.notices.is_empty() {
        return html! {};
    }
    let dismiss = {
        let d = p.on_dismiss.clone();
        Callback::from(move |_: MouseEvent| d.emit(()))
    };
    html! {
        <div data-testid="notice" class="notice" role="alert">
            <strong>{ "⚠ Some values could not be used:" }</strong>
            <ul>{ for p.notices.iter().map(|n| html! { <li><code>{ n }</code></li> }) }</ul>
            <button onclick={dismiss} aria-label="Dismiss the notice">{ "Dismiss" }</button>
        </div>
    }
}
