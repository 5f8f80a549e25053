//! `stepd` for the end-to-end tests: the same command line (`stepd::cli`) and allocator as `web/src/main.rs`.

/// mimalloc, as the shipped binary (the memory tests measure this process).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stepd::cli()
}
