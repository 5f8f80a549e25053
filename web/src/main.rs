//! The `stepd` binary: the command line (`stepd::cli`) with mimalloc as the allocator.

/// mimalloc: the engine allocates many small objects; glibc's malloc doubled the validator's time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stepd::cli()
}
