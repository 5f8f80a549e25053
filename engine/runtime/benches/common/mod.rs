//! Shared by the runtime's benchmarks: the fsync ceiling every figure is compared with, and medians.

#![allow(dead_code)] // not every benchmark uses every helper

use std::io::Write;
use std::time::Instant;

/// A raw `write` + `fdatasync` loop on the same disk for one second: syncs per second.
pub fn fsync_ceiling(dir: &std::path::Path) -> f64 {
    let mut f = std::fs::File::create(dir.join("fsync.bin")).expect("file");
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed().as_secs_f64() < 1.0 {
        f.write_all(&[0u8; 512]).expect("write");
        f.sync_data().expect("fdatasync");
        n += 1;
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
