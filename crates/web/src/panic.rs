//! A panic shows a banner with the message instead of leaving a dead page.

/// Installs the hook: log to the console, then put a banner on the page.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.clone().into());
        show_banner(&message);
    }));
}

/// Puts the error banner at the top of the page (once).
pub fn show_banner(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.get_element_by_id("panic-banner").is_some() {
        return;
    }
    let Ok(banner) = doc.create_element("div") else {
        return;
    };
    banner.set_id("panic-banner");
    banner.set_class_name("panic-banner");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "panic");
    let text = format!(
        "Something went wrong and the live view stopped: {message}. \
         The text above still reads; reload the page to start again."
    );
    banner.set_text_content(Some(&text));
    if let Some(body) = doc.body() {
        let _ = body.insert_before(&banner, body.first_child().as_ref());
    }
}
