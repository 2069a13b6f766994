//! The page's entry point, built for `wasm32-unknown-unknown` by Trunk.

fn main() {
    #[cfg(target_arch = "wasm32")]
    leakscope_web::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("leakscope-web runs in a browser: build it with `trunk build` (see the README).");
}
