//! Whole-definition checks that need more than one state at a time.

pub(crate) mod graph;
