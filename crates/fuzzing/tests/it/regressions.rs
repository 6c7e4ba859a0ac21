//! Inputs that once crashed a target, kept as tests (also in the target's corpus). Each names
//! the bug and the fix.
