//! Files the runs need for a while (databases, journals), removed with SQLite's side files
//! when dropped.

use std::path::PathBuf;

pub struct TempPath(pub PathBuf);

impl TempPath {
    /// A path under the temp dir, unique to this process and `tag`.
    pub fn new(tag: &str) -> TempPath {
        TempPath(std::env::temp_dir().join(format!(
            "mturk-review-perf-{}-{tag}.sqlite",
            std::process::id()
        )))
    }

    pub fn arg(&self) -> String {
        self.0.to_string_lossy().to_string()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}
