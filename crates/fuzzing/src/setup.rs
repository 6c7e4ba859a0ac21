//! What the targets share: a fixture that cannot be built ends the process with its reason
//! (a harness that silently fuzzes nothing would report a clean run), and one Tokio runtime.

use std::{fmt::Display, sync::OnceLock};
use tokio::runtime::Runtime;

/// Ends the process: a fixture every input needs could not be built.
pub fn fail(what: &str, err: impl Display) -> ! {
    eprintln!("cloister-fuzzing: cannot set up {what}: {err}");
    std::process::abort()
}

/// A current-thread runtime shared by the async targets (one per process).
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|err| fail("the tokio runtime", err))
    })
}

/// A temporary directory, in memory when the machine has `/dev/shm` (no disk syncs).
pub fn temp_dir(what: &str) -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::Builder::new()
            .prefix("cloister-fuzz")
            .tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    dir.unwrap_or_else(|err| fail(what, err))
}

/// Reports a broken invariant: the fuzzer (and the smoke test) see it as a crash.
#[allow(clippy::panic)] // the one place a harness must panic: that is how a fuzzer is told
pub fn violated(what: impl Display) -> ! {
    panic!("invariant violated: {what}")
}
